/**
 * `pop3kit fetch` from parsed flags to exit code: build the accounts, ask for passwords that
 * must be typed, fetch with at most `jobs` accounts at once, report, and pick the exit code.
 * The demo (`npm start`) runs this same function.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isSharedDestination } from '../../fetch/shared/destination.js';
import type { AccountConfig, FetchOptions, FetchSummary } from '../../fetch/types.js';
import { loadConfigFile } from './config-file.js';
import { ExitCode, worstExitCode } from './exit-codes.js';
import { ProgressBars } from './progress.js';
import { PromptInterrupted, promptHidden } from './prompt.js';
import { JsonReporter, type Reporter, TextReporter } from './reporters.js';
import { type AccountResult, failureResult, notStartedResult, successResult } from './result.js';
import { type AccountSettings, type BuildContext, buildAccount, type PreparedAccount } from './settings.js';
import { UsageError } from './values.js';

/** The retriever core (src/fetch), passed in so the CLI loads it only when it runs. */
export interface FetchCore {
  fetchAccount(config: AccountConfig, options: FetchOptions): Promise<FetchSummary>;
}

export interface FetchFlags extends AccountSettings {
  readonly config?: string;
  /** With --config: only these accounts (by name). */
  readonly account?: readonly string[];
  readonly jobs?: number;
  /** Fetch together with other workers through this PostgreSQL (src/fetch/shared). */
  readonly shared?: string;
  /** With `shared`: the lease (ms) and the polling interval (ms; absent: one round). */
  readonly lease?: number;
  readonly interval?: number;
  readonly json?: boolean;
  readonly dryRun?: boolean;
  readonly verbose?: boolean;
  readonly quiet?: boolean;
}

type Output = NodeJS.WritableStream & { readonly isTTY?: boolean };

export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly home: string;
}

export const DEFAULT_JOBS = 4;

export const COMMAND_LINE_PASSWORD_WARNING =
  'a password on the command line can be read by other users (ps) and stays in shell history; ' +
  'use --password-env, --password-command or ~/.netrc instead';

async function prepare(flags: FetchFlags, io: CliIo): Promise<{ accounts: PreparedAccount[]; jobs: number }> {
  const context = {
    env: io.env,
    home: io.home,
    interactive: io.stdin.isTTY === true && io.stderr.isTTY === true,
  };
  if (flags.config === undefined) {
    const account = await buildAccount(flags, {
      ...context,
      label: (key) => `--${key}`,
      where: '',
      literalPasswordWarning: COMMAND_LINE_PASSWORD_WARNING,
    });
    return { accounts: [account], jobs: 1 };
  }
  const file = await loadConfigFile(flags.config, io.cwd);
  const accounts: PreparedAccount[] = [];
  for (const { settings, where } of file.accounts) {
    const build: BuildContext = { ...context, label: (key) => key, where };
    accounts.push(await buildAccount(settings, build));
  }
  // The name keys the account's rows in the state, so two accounts must not share one.
  const names = new Set<string>();
  for (const { config } of accounts) {
    if (names.has(config.name))
      throw new UsageError(`${file.path}: two accounts are named ${config.name}; give each a different name`);
    names.add(config.name);
  }
  let selected = accounts;
  if (flags.account !== undefined && flags.account.length > 0) {
    const unknown = flags.account.filter((name) => !names.has(name));
    if (unknown.length > 0)
      throw new UsageError(
        `no account named ${unknown.join(', ')} in ${file.path} (it has: ${[...names].join(', ')})`,
      );
    selected = accounts.filter((a) => flags.account!.includes(a.config.name));
  }
  return { accounts: selected, jobs: flags.jobs ?? file.jobs ?? DEFAULT_JOBS };
}

/** Shared workers may run on other machines: every account must deliver where all can reach. */
function checkShared(flags: FetchFlags, accounts: readonly PreparedAccount[]): void {
  if (flags.shared === undefined) return;
  const local = accounts.filter(({ config }) => !isSharedDestination(config));
  if (local.length > 0)
    throw new UsageError(
      `with --shared every account must deliver into a PostgreSQL archive (to: archive:postgres://...), ` +
        `which every worker can reach; ${local.map((a) => a.config.name).join(', ')} ` +
        `${local.length === 1 ? 'does' : 'do'} not`,
    );
}

export interface RunOptions {
  /** SIGINT/SIGTERM in the CLI: accounts in progress finish the message in hand, the others do not start. */
  readonly signal?: AbortSignal;
  /** Print the summary even when stdout is not a terminal (the demo). */
  readonly summary?: boolean;
}

export interface RunOutcome {
  readonly exitCode: number;
  readonly results: readonly AccountResult[];
}

function chooseReporter(
  flags: FetchFlags,
  io: CliIo,
  names: readonly string[],
  options: RunOptions,
): Reporter {
  if (flags.json) return new JsonReporter(io.stdout, io.stderr);
  const terminal = io.stdout.isTTY === true && !flags.quiet;
  // A shared worker does not know which accounts it will get: no bars, a line per account.
  const bars =
    terminal && io.stderr.isTTY === true && !flags.dryRun && flags.shared === undefined
      ? new ProgressBars(io.stderr, names)
      : undefined;
  return new TextReporter(io.stdout, io.stderr, {
    bars,
    verbose: flags.verbose === true,
    summary: terminal || flags.verbose === true || options.summary === true,
  });
}

async function fetchOne(
  prepared: PreparedAccount,
  core: FetchCore,
  reporter: Reporter,
  dryRun: boolean,
  signal: AbortSignal | undefined,
): Promise<AccountResult> {
  const { config } = prepared;
  let alreadySeen: number | undefined;
  const events = reporter.events(config.name);
  const onPlan = events.onPlan;
  const options: FetchOptions = {
    dryRun,
    signal,
    events: {
      ...events,
      onPlan: (plan) => {
        alreadySeen = plan.alreadySeen;
        onPlan?.(plan);
      },
    },
  };
  try {
    if (!dryRun) await mkdir(dirname(config.statePath), { recursive: true, mode: 0o700 });
  } catch (error) {
    const wrapped = Object.assign(
      new Error(`cannot create the state directory of ${config.statePath}`, { cause: error }),
      {
        kind: 'state' as const,
      },
    );
    return failureResult(config, wrapped, dryRun, undefined);
  }
  try {
    return successResult(config, await core.fetchAccount(config, options), dryRun, alreadySeen);
  } catch (error) {
    return failureResult(config, error, dryRun, alreadySeen);
  }
}

/** Runs `pop3kit fetch` and resolves to its exit code and per-account results. Usage errors are
 * printed to stderr. */
export async function runFetch(
  flags: FetchFlags,
  io: CliIo,
  loadCore: () => Promise<FetchCore>,
  options: RunOptions = {},
): Promise<RunOutcome> {
  const { signal } = options;
  const dryRun = flags.dryRun === true;
  let accounts: PreparedAccount[];
  let jobs: number;
  try {
    ({ accounts, jobs } = await prepare(flags, io));
    checkShared(flags, accounts);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`pop3kit fetch: error: ${error.message}\n`);
    return { exitCode: ExitCode.usage, results: [] };
  }
  try {
    for (const account of accounts)
      if (account.prompt)
        account.prompt.answer = await promptHidden(
          `Password for ${account.prompt.account}: `,
          io.stdin,
          io.stderr,
        );
  } catch (error) {
    if (!(error instanceof PromptInterrupted)) throw error;
    io.stderr.write(`pop3kit fetch: ${error.message}\n`);
    return { exitCode: ExitCode.interrupted, results: [] };
  }
  const core = await loadCore();
  const reporter = chooseReporter(
    flags,
    io,
    accounts.map((a) => a.config.name),
    options,
  );
  for (const account of accounts)
    for (const warning of account.warnings) reporter.warning(account.config.name, warning);

  if (flags.shared !== undefined) return runShared(flags, accounts, jobs, core, reporter, signal, io.stderr);

  const results: (AccountResult | undefined)[] = accounts.map(() => undefined);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < accounts.length && !signal?.aborted) {
      const index = next++;
      const result = await fetchOne(accounts[index]!, core, reporter, dryRun, signal);
      results[index] = result;
      reporter.accountDone(result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, accounts.length) }, worker));
  const final = results.map((r, i) => r ?? notStartedResult(accounts[i]!.config, dryRun));
  return conclude(reporter, final, signal);
}

/** The exit code (the worst of the accounts', `more`, and 130 when interrupted) and the summary. */
function conclude(
  reporter: Reporter,
  results: AccountResult[],
  signal: AbortSignal | undefined,
  more: readonly number[] = [],
): RunOutcome {
  const codes = [...results.map((r) => r.exitCode), ...more];
  if (signal?.aborted) codes.push(ExitCode.interrupted);
  const exitCode = worstExitCode(codes);
  reporter.finish(results, exitCode);
  return { exitCode, results };
}

/** `--shared`: this process is one of many workers sharing the accounts through PostgreSQL. */
async function runShared(
  flags: FetchFlags,
  accounts: readonly PreparedAccount[],
  jobs: number,
  core: FetchCore,
  reporter: Reporter,
  signal: AbortSignal | undefined,
  stderr: Output,
): Promise<RunOutcome> {
  const { runSharedWorker, LeaseLostError, SharedDatabaseError } = await import(
    '../../fetch/shared/worker.js'
  );
  const prepared = new Map(accounts.map((a) => [a.config.name, a]));
  const done: AccountResult[] = [];
  const reached = await runSharedWorker(
    accounts.map((a) => a.config),
    {
      url: flags.shared!,
      leaseMs: flags.lease,
      intervalMs: flags.interval,
      jobs,
      signal,
      events: {
        onTakeover: ({ account, from }) =>
          reporter.warning(account, `taken over from worker ${from}, whose lease ran out`),
        onOutage: ({ error }) => reporter.warning(undefined, `${error.message}; trying again`),
        onLeaseLost: ({ account }) =>
          reporter.warning(
            account,
            'the lease ran out before this worker saved the state; the next worker reads back what the archive holds',
          ),
      },
    },
    async (config, leaseSignal) => {
      let result = await fetchOne(
        { ...prepared.get(config.name)!, config },
        core,
        reporter,
        false,
        leaseSignal,
      );
      const reason: unknown = leaseSignal.reason;
      // Lost the lease (not interrupted): another worker has the account, try again later.
      if (reason instanceof LeaseLostError && !signal?.aborted)
        result = failureResult(
          config,
          Object.assign(new Error(reason.message), { kind: 'busy' as const, summary: result.summary }),
          false,
          result.alreadySeen,
        );
      reporter.accountDone(result);
      done.push(result);
      return { value: result, error: result.error?.message };
    },
  ).then(
    () => true,
    (error: unknown) => {
      if (!(error instanceof SharedDatabaseError)) throw error;
      stderr.write(`pop3kit fetch: error: ${error.message}\n`);
      return false;
    },
  );
  return conclude(reporter, done, signal, reached ? [] : [ExitCode.network]);
}
