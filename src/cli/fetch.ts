/** `pop3kit fetch`: the retriever's command line. It parses flags and prints; src/fetch does the work. */
import { homedir } from 'node:os';
import { type Command, Option } from 'commander';
import { addConnectionFlags } from './connection-flags.js';
import { ACCOUNT_FIELDS } from './fetch/config-file.js';
import { EXIT_CODE_HELP, ExitCode } from './fetch/exit-codes.js';
import { collect, flag, pathFlag } from './fetch/flags.js';
import { DEFAULT_JOBS, type FetchCore, type FetchFlags, runFetch } from './fetch/run.js';
import {
  parseArchive,
  parseCount,
  parseDestination,
  parseNonEmpty,
  parseSeconds,
  parseSize,
  parseSizeAction,
  UsageError,
} from './fetch/values.js';

const HELP_AFTER = `
Destinations (--to):
  maildir:DIR      a Maildir (cur, new, tmp are created); the default is ~/Maildir
  mbox:FILE        an mboxrd file, locked and appended with fsync
  mda:COMMAND      a command run with /bin/sh that gets each message on stdin;
                   exit status 0 means delivered (at least once: pop3kit cannot see
                   inside it, so a crash right after it may deliver a message again)
  archive:sqlite:FILE  the searchable archive of \`pop3kit search\` (SQLite); archive:
                   alone is $XDG_DATA_HOME/pop3kit/archive.sqlite (~/.local/share/...)
  archive:postgres://[USER@]HOST[:PORT]/DATABASE  the same archive in PostgreSQL

Passwords, in this order: --password-env NAME, --password-command CMD (its output,
one trailing newline removed), ~/.netrc (machine HOST login USER password PASS; it
must not be readable by others), a prompt when run on a terminal. --password PASS
works but warns: others can see it. OAuth2: --token-command CMD prints a fresh
access token (with --mechanism XOAUTH2 or OAUTHBEARER, or picked from the server's).

State: the UIDs already fetched are kept per account in --state FILE, by default
$XDG_STATE_HOME/pop3kit/USER@HOST.sqlite (~/.local/state/pop3kit/...). Only new
messages are fetched; --dry-run lists them without fetching or changing anything.

Output: progress bars and a summary on a terminal; nothing but errors and warnings
(on stderr) otherwise, unless --verbose; --json prints one JSON object per line:
  {"type":"message","account":...,"uid":...,"msg":...,"size":...,"outcome":...,"location":...,"error":...}
  {"type":"planned",...} with --dry-run, {"type":"warning",...}, and a last
  {"type":"summary","exitCode":...,"delivered":...,"accounts":[...]}

Several accounts (--config FILE, YAML; keys are the flags' names):
  jobs: 4
  defaults:
    to: maildir:~/Maildir
    delete-after: 30
  accounts:
    - name: work
      host: pop.example.com
      secure: true
      user: alice
      password-command: pass show mail/work
    - host: pop.example.org
      user: bob
      password-env: BOB_PASSWORD
      to: mbox:~/Mail/bob.mbox
      filters:
        - { header: Subject, pattern: '/^\\[spam\\]/i', action: discard }

Many workers (--shared postgres://...): start the same command, with the same
--config, on as many machines as you like. Each account is fetched by one worker
at a time: the worker claims it with a lease in that PostgreSQL, renews it while it
works, and keeps the account's state there. A worker that dies (killed, crashed,
cut off) loses its accounts when its leases run out (--lease, 60 s) and the others
take them over; nothing is archived twice. Every account must deliver into a
PostgreSQL archive (to: archive:postgres://...). Without --interval a worker ends
once every account has been polled since it started.

Examples:
  pop3kit fetch --host pop.example.com --secure --user alice --password-env POP_PASS
  pop3kit fetch --host pop.example.com --user alice --to mbox:~/mail/inbox --delete
  pop3kit fetch --config ~/.config/pop3kit/accounts.yaml --jobs 2 --json
  pop3kit fetch --config accounts.yaml --shared postgres://mail@db/archive --interval 300

${EXIT_CODE_HELP}
`;

/** --shared: the PostgreSQL of the leases (usually the archive's). */
function parseSharedUrl(value: string): string {
  const archive = parseArchive(value, process.cwd());
  if (archive.store !== 'postgres' || value.trim() === '')
    throw new UsageError(`"${value}" is not a PostgreSQL URL: use postgres://[USER@]HOST[:PORT]/DATABASE`);
  return archive.path;
}

function parsePositiveSeconds(value: string): number {
  const ms = parseSeconds(value);
  if (ms < 100) throw new UsageError(`"${value}" is too short: give at least 0.1 seconds`);
  return ms;
}

/** Flags that describe one account: with --config they belong in the file. */
const ACCOUNT_FLAG_KEYS = Object.values(ACCOUNT_FIELDS).map((field) => field.key as string);

const camelToFlag = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The retriever core, loaded when a fetch runs. */
export async function loadFetchCore(): Promise<FetchCore> {
  // Loaded when a fetch runs, so `pop3kit serve`, `info` and usage errors never load SQLite.
  return await import('../fetch/index.js');
}

export function registerFetch(program: Command): void {
  const cwd = process.cwd();
  const command = program
    .command('fetch')
    .description(
      'fetch new mail from POP3 accounts into Maildir, mbox or an MDA, without loss or duplicates',
    );
  addConnectionFlags(command, {
    hostRequired: false,
    userHelp: 'user name (default: the login of the ~/.netrc entry for the host)',
  })
    .optionsGroup('Delivery and policy:')
    .option(
      '--to <destination>',
      'maildir:DIR, mbox:FILE, mda:COMMAND, archive:sqlite:FILE or archive:postgres://URL (default maildir:~/Maildir)',
      flag((v) => parseDestination(v, cwd)),
    )
    .option('--keep', 'leave messages on the server (the default)')
    .option('--delete', 'delete messages from the server once delivered')
    .option(
      '--delete-after <days>',
      'delete messages DAYS days after they were first fetched',
      flag((v) => parseCount(v)),
    )
    .option(
      '--max-size <size>',
      'leave alone messages larger than SIZE (octets, or 500k, 10M, 1G)',
      flag(parseSize),
    )
    .addOption(
      new Option('--max-size-action <action>', 'what to do with them: skip (default) or delete').argParser(
        flag(parseSizeAction),
      ),
    )
    .option(
      '--max-messages <n>',
      'fetch at most N messages per run',
      flag((v) => parseCount(v)),
    )
    .option('--max-bytes <size>', 'fetch at most SIZE octets per run', flag(parseSize))
    .option(
      '--filter-command <cmd>',
      "run CMD with each message's headers on stdin: exit 0 deliver, 1 skip, 2 discard",
      flag((v) => parseNonEmpty(v, 'the command')),
    )
    .option('--state <file>', 'where this account remembers what it fetched (default: see below)', pathFlag)
    .optionsGroup('Several accounts:')
    .option('--config <file>', 'fetch the accounts of this YAML file (see below)', pathFlag)
    .option('--account <name>', 'with --config: only this account (repeatable)', collect)
    .option(
      '-j, --jobs <n>',
      `fetch up to N accounts at once (default ${DEFAULT_JOBS})`,
      flag((v) => parseCount(v)),
    )
    .optionsGroup('Many workers, one PostgreSQL:')
    .option(
      '--shared <url>',
      'fetch the accounts together with other workers (here or on other machines) through this PostgreSQL: one worker per account at a time',
      flag(parseSharedUrl),
    )
    .option(
      '--lease <seconds>',
      'with --shared: how long an account stays claimed by a worker that stops answering (default 60)',
      flag(parsePositiveSeconds),
    )
    .option(
      '--interval <seconds>',
      'with --shared: poll every account every SECONDS until interrupted (default: one round, then exit)',
      flag(parsePositiveSeconds),
    )
    .optionsGroup('Output:')
    .option('--json', 'one JSON object per line on stdout')
    .option('--dry-run', 'list what would be fetched; fetch, deliver and delete nothing')
    .option('-v, --verbose', 'a line per message and the summary, even when not on a terminal')
    .option('-q, --quiet', 'no progress bars or summary on a terminal (errors still go to stderr)')
    .addHelpText('after', HELP_AFTER)
    .showHelpAfterError('(run pop3kit fetch --help for usage)')
    // Commander's own usage errors exit 1, which means "partial success" here.
    .exitOverride((error) => process.exit(error.exitCode === 1 ? ExitCode.usage : error.exitCode))
    .action(async (options: FetchFlags, command: Command) => {
      const usage = (message: string) => command.error(`error: ${message}`, { exitCode: ExitCode.usage });
      const fromCli = (key: string) => command.getOptionValueSource(key) === 'cli';
      if (options.config !== undefined) {
        const misplaced = ACCOUNT_FLAG_KEYS.filter(fromCli).map(camelToFlag);
        if (misplaced.length > 0)
          usage(
            `${misplaced.join(', ')} cannot be combined with --config: put it in the file (under defaults: for all accounts)`,
          );
      } else {
        if (options.account !== undefined) usage('--account picks accounts from a --config file');
        if (options.jobs !== undefined) usage('--jobs applies to several accounts, from a --config file');
      }
      if (options.quiet && options.verbose) usage('give --quiet or --verbose, not both');
      if (options.shared === undefined) {
        for (const key of ['lease', 'interval'] as const)
          if (options[key] !== undefined) usage(`--${key} applies to --shared workers`);
      } else if (options.dryRun)
        usage('--dry-run cannot be combined with --shared (a dry run claims nothing)');

      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = () => {
        if (++interrupts > 1) process.exit(ExitCode.interrupted);
        process.stderr.write(
          '\npop3kit fetch: interrupted: finishing the message in hand (again to quit now)\n',
        );
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const io = {
        stdout: process.stdout,
        stderr: process.stderr,
        stdin: process.stdin,
        env: process.env,
        cwd: process.cwd(),
        home: homedir(),
      };
      const { exitCode } = await runFetch(options, io, loadFetchCore, { signal: controller.signal });
      process.stdout.write('', () => process.exit(exitCode));
    });
}
