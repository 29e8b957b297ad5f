/** What the CLI keeps of one account's run, for the summary and the exit code. */
import type { AccountConfig, Destination, FetchFailureKind, FetchSummary } from '../../fetch/types.js';
import { ExitCode, exitCodeForFailure } from './exit-codes.js';
import { SecretSourceError } from './secrets.js';

export type FailureKind = FetchFailureKind | 'internal' | 'interrupted';

export interface AccountResult {
  readonly account: string;
  readonly destination: Destination;
  readonly dryRun: boolean;
  /** The summary, or the partial one a FetchError carried. */
  readonly summary: FetchSummary | undefined;
  readonly error: { readonly kind: FailureKind; readonly message: string } | undefined;
  /** From the plan: messages the state already knew. */
  readonly alreadySeen: number | undefined;
  readonly exitCode: number;
}

const KINDS: readonly string[] = [
  'auth',
  'network',
  'tls',
  'protocol',
  'delivery',
  'config',
  'busy',
  'aborted',
  'state',
] satisfies FetchFailureKind[];

interface FetchErrorShape extends Error {
  readonly kind: FetchFailureKind;
  readonly summary?: FetchSummary;
}

/** A FetchError by shape (a `kind` the contract knows), so duplicate copies still match. */
export function isFetchError(error: unknown): error is FetchErrorShape {
  return error instanceof Error && KINDS.includes((error as { kind?: unknown }).kind as string);
}

function causes(error: unknown): Error[] {
  const chain: Error[] = [];
  for (let e = error; e instanceof Error && chain.length < 10; e = e.cause) chain.push(e);
  return chain;
}

/** "what happened: why", without repeating a cause the message already contains. */
function explain(error: Error): string {
  let message = error.message;
  for (const cause of causes(error).slice(1))
    if (cause.message && !message.includes(cause.message)) message += `: ${cause.message}`;
  return message;
}

export function successResult(
  config: AccountConfig,
  summary: FetchSummary,
  dryRun: boolean,
  alreadySeen: number | undefined,
): AccountResult {
  return {
    account: config.name,
    destination: config.destination,
    dryRun,
    summary,
    error: undefined,
    alreadySeen,
    exitCode: summary.failed > 0 ? ExitCode.partial : ExitCode.ok,
  };
}

export function failureResult(
  config: AccountConfig,
  error: unknown,
  dryRun: boolean,
  alreadySeen: number | undefined,
): AccountResult {
  const base = { account: config.name, destination: config.destination, dryRun, alreadySeen };
  // A failing password or token command is the user's login failing, whatever the core calls it.
  const secret = causes(error).find((e) => e instanceof SecretSourceError);
  if (secret) {
    const summary = isFetchError(error) ? error.summary : undefined;
    return { ...base, summary, error: { kind: 'auth', message: secret.message }, exitCode: ExitCode.auth };
  }
  if (isFetchError(error)) {
    // The FetchError's own message repeats the account and kind the CLI prints anyway.
    const message = error.cause instanceof Error ? explain(error.cause) : error.message;
    return {
      ...base,
      summary: error.summary,
      error: { kind: error.kind, message },
      exitCode: exitCodeForFailure(error.kind),
    };
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { ...base, summary: undefined, error: { kind: 'internal', message }, exitCode: ExitCode.internal };
}

export function notStartedResult(config: AccountConfig, dryRun: boolean): AccountResult {
  return {
    account: config.name,
    destination: config.destination,
    dryRun,
    summary: undefined,
    error: { kind: 'interrupted', message: 'not started: the run was interrupted' },
    alreadySeen: undefined,
    exitCode: ExitCode.interrupted,
  };
}
