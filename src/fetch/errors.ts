/**
 * FetchError: a run that ended early, with why (`kind`, which the CLI maps to an exit code),
 * the underlying error as `cause`, and what the run did before it stopped.
 */
import {
  Pop3AuthError,
  Pop3ConnectionError,
  Pop3ProtocolError,
  Pop3SecurityError,
  Pop3ServerError,
  Pop3TimeoutError,
  Pop3TlsError,
} from '../errors.js';
import { MboxLockedError } from './dotlock.js';
import { RunLockedError } from './run-lock.js';
import { StateFileError } from './state-store.js';
import type { FetchFailureKind, FetchSummary } from './types.js';
import { DeliveryError } from './writer.js';

export class FetchError extends Error {
  readonly code = 'POP3KIT_FETCH_ERROR';
  readonly kind: FetchFailureKind;
  /** What the run did before it stopped; everything counted as delivered is on disk. */
  readonly summary: FetchSummary;

  constructor(message: string, options: { kind: FetchFailureKind; summary: FetchSummary; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.kind = options.kind;
    this.summary = options.summary;
  }

  override get name(): string {
    return 'FetchError';
  }
}

/** The password or access token could not be obtained (AccountConfig.password threw). */
export class CredentialsError extends Error {
  readonly code = 'POP3KIT_CREDENTIALS';
}

/** Server replies that mean "not now" rather than "wrong password" (RFC 2449 §8.1, RFC 3206). */
const BUSY_CODES = new Set(['IN-USE', 'LOGIN-DELAY']);

export function failureKind(error: unknown, aborted: boolean): FetchFailureKind {
  if (error instanceof FetchError) return error.kind;
  if (aborted) return 'aborted';
  if (error instanceof CredentialsError) return 'auth';
  if (error instanceof Pop3AuthError) return BUSY_CODES.has(error.responseCode ?? '') ? 'busy' : 'auth';
  if (error instanceof Pop3TlsError || error instanceof Pop3SecurityError) return 'tls';
  if (error instanceof Pop3ConnectionError || error instanceof Pop3TimeoutError) return 'network';
  if (error instanceof Pop3ProtocolError || error instanceof Pop3ServerError) return 'protocol';
  if (error instanceof RunLockedError || error instanceof MboxLockedError) return 'busy';
  if (error instanceof StateFileError) return 'state';
  if (error instanceof DeliveryError) return 'delivery';
  if (error instanceof TypeError || error instanceof RangeError) return 'config';
  // A bare errno error (EACCES, ENOSPC...) comes from the local side.
  if (typeof (error as { code?: unknown })?.code === 'string') return 'delivery';
  return 'protocol';
}

export function toFetchError(
  error: unknown,
  account: string,
  summary: FetchSummary,
  aborted: boolean,
): FetchError {
  if (error instanceof FetchError) return error;
  const kind = failureKind(error, aborted);
  const detail = error instanceof Error ? error.message : String(error);
  return new FetchError(`fetch of ${account} stopped (${kind}): ${detail}`, { kind, summary, cause: error });
}
