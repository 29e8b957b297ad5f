import { Pop3StateError } from '../../errors.js';
import type { DebugLevel } from '../debug-log.js';

/** A message number as poplib takes it: `retr(1)` and `retr('1')` work equally well. */
export type Which = number | string;

/** No timeout given means pop3kit's 60 s, not Python's "block forever" (that is `null`). */
const DEFAULT_TIMEOUT_SECONDS = 60;
/** Node's timers stop at 2^31-1 ms (about 24.8 days); Pop3Client refuses more. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Commands that carry credentials: `_shortcmd` would skip the plaintext policy and the
 * redaction of debug output, so they go through their methods. */
const CREDENTIAL_METHOD: Record<string, string> = {
  USER: 'user()',
  PASS: 'pass_()',
  APOP: 'apop()',
  RPOP: 'rpop()',
  AUTH: "the client's auth()",
};

/**
 * Python's timeout in seconds to pop3kit's milliseconds: `null` (Python's None) is 0, no
 * timeout; `undefined` is 60 s.
 * @throws RangeError for 0 (Python's ValueError), a negative value, or more than 2^31-1 ms.
 */
export function timeoutMs(seconds: number | null | undefined): number {
  if (seconds === null) return 0;
  const value = seconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (value === 0) throw new RangeError('Non-blocking socket (timeout=0) is not supported');
  const ms = Math.max(1, Math.round(value * 1000));
  if (!(value > 0) || ms > MAX_TIMEOUT_MS) {
    throw new RangeError(
      `timeout must be from 0.001 to ${MAX_TIMEOUT_MS / 1000} seconds, or null for none; got ${String(value)}`,
    );
  }
  return ms;
}

/** poplib's debug levels are any int; pop3kit's are 0, 1 and 2. */
export function debugLevel(level: number): DebugLevel {
  return level >= 2 ? 2 : level >= 1 ? 1 : 0;
}

/**
 * Python formats `'RETR %s' % which` with anything; pop3kit sends only numbers it has checked:
 * a message number from 1, a TOP line count from 0, as a number or a string of digits.
 * @throws TypeError before anything is written.
 */
export function numberArgument(verb: string, which: Which, what: 'message number' | 'line count'): number {
  const value = typeof which === 'number' ? which : /^[0-9]{1,15}$/.test(which) ? Number(which) : Number.NaN;
  const min = what === 'message number' ? 1 : 0;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TypeError(
      `${verb}: ${what} must be an integer from ${min}, got ${typeof which === 'string' ? JSON.stringify(which) : String(which)}`,
    );
  }
  return value;
}

/**
 * Splits a command line as poplib's `_shortcmd` takes it ("ECHO -err") into the verb and one
 * argument holding the rest, which the encoder writes back unchanged after one space.
 * @throws Pop3StateError for a verb that carries credentials.
 */
export function splitCommandLine(line: string): [verb: string, args: string[]] {
  const space = line.indexOf(' ');
  const verb = space === -1 ? line : line.slice(0, space);
  const method = CREDENTIAL_METHOD[verb.toUpperCase()];
  if (method) throw new Pop3StateError(`${verb.toUpperCase()} carries credentials; use ${method}`);
  return [verb, space === -1 ? [] : [line.slice(space + 1)]];
}
