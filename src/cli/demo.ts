/**
 * `npm start`: pop3kit on a fresh machine, with nothing to configure. It starts pop3kit/server
 * on 127.0.0.1 with a generated mailbox and runs `pop3kit fetch` (the same code, in process)
 * into ./demo-mail, then again into the searchable archive ./demo-mail/archive.sqlite, and
 * ends with a sample `pop3kit search`. The mailbox is the same on every run, so a second run
 * fetches nothing new.
 */
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseQuery } from '../archive/query.js';
import { SqliteArchive } from '../archive/sqlite-archive.js';
import { MemoryStore, Pop3Server, wireSize } from '../server/index.js';
import { searchTable } from './archive/format.js';
import { demoMailbox } from './demo-mail.js';
import { formatSize } from './fetch/format.js';
import { type CliIo, type FetchFlags, runFetch } from './fetch/run.js';
import { loadFetchCore } from './fetch.js';

const USER = 'demo';
const PASSWORD = 'demo-password';
const PASSWORD_ENV = 'POP3KIT_DEMO_PASSWORD';

const say = (text = '') => process.stdout.write(`${text}\n`);

const mail = demoMailbox();
const octets = mail.reduce((sum, m) => sum + wireSize(Buffer.from(m, 'utf8')), 0);
const server = new Pop3Server({ store: new MemoryStore({ [USER]: mail }), users: { [USER]: PASSWORD } });
const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
say(`pop3kit/server is listening on 127.0.0.1:${port}: ${USER}'s mailbox holds ${mail.length} messages`);
say(`(${formatSize(octets)}: threads, HTML, attachments, UTF-8 and encoded-word headers).`);

const root = resolve('demo-mail');
const maildir = join(root, 'Maildir');
const state = join(root, 'state.sqlite');
const shown = (path: string) => `./${relative(process.cwd(), path)}`;
say();
say('Running, in process:');
say(`  pop3kit fetch --host 127.0.0.1 --port ${port} --user ${USER} --password-env ${PASSWORD_ENV} \\`);
say(`    --to maildir:${shown(maildir)} --state ${shown(state)}`);
say();

const archive = join(root, 'archive.sqlite');
const archiveState = join(root, 'archive-state.sqlite');
const io: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: { ...process.env, [PASSWORD_ENV]: PASSWORD },
  cwd: process.cwd(),
  home: homedir(),
};
const fetchInto = async (to: FetchFlags['to'], state: string) => {
  const flags: FetchFlags = { host: '127.0.0.1', port, user: USER, passwordEnv: PASSWORD_ENV, to, state };
  return (await runFetch(flags, io, loadFetchCore, { summary: true })).exitCode;
};
let exitCode: number;
try {
  exitCode = await fetchInto({ kind: 'maildir', path: maildir }, state);
  if (exitCode === 0) {
    say();
    say('And into the searchable archive (a second destination, with its own state):');
    say(`  pop3kit fetch ... --to archive:sqlite:${shown(archive)} --state ${shown(archiveState)}`);
    say();
    exitCode = await fetchInto({ kind: 'archive', store: 'sqlite', path: archive }, archiveState);
  }
} finally {
  await server.close();
}

say();
if (exitCode !== 0) {
  say(`The fetch ended with exit code ${exitCode} (see \`npx pop3kit fetch --help\`).`);
  process.exit(exitCode);
}
const sample = 'from:ada has:attachment';
say(`A sample search of the archive:`);
say(`  pop3kit search '${sample}' --db sqlite:${shown(archive)}`);
say();
const opened = SqliteArchive.open(archive);
try {
  process.stdout.write(searchTable(opened.search(parseQuery(sample), { limit: 10 }), process.stdout.columns));
} finally {
  opened.close();
}
say();
say(`The mail is in ${shown(maildir)} (new/ holds one file per message) and in the archive`);
say(`${shown(archive)}; what was fetched is remembered in ${shown(state)}. Try next:`);
const next = (command: string, what: string) => say(`  ${what ? `${command.padEnd(30)}  ${what}` : command}`);
next('npm start', 'again: nothing new is fetched, nothing is duplicated');
next(`mutt -f ${shown(maildir)}`, 'read it (any Maildir reader will do)');
next(`npx pop3kit search 'QUERY' --db sqlite:${shown(archive)}`, '');
next('', 'search the archive (see npx pop3kit search --help), then');
next(`npx pop3kit show ID --db sqlite:${shown(archive)}`, '');
next('', 'read one message (--raw: its exact bytes)');
next('npx pop3kit fetch --help', 'every flag, a config file for several accounts, exit codes');
next('npx pop3kit info --host pop.gmail.com --secure', '');
next('', "a real server's capabilities and TLS certificate");
next(`rm -rf ${shown(root)}`, 'start over');
