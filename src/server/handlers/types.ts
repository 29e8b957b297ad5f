import type { CommandLine } from '../command-line.js';
import type { SessionState } from '../options.js';
import type { Session } from '../session.js';

/** One verb: where it is valid, how many arguments it takes, and what it does. */
export interface CommandSpec {
  readonly states: readonly SessionState[];
  /** Minimum and maximum argument count; the session answers -ERR outside it. */
  readonly args: readonly [min: number, max: number];
  readonly run: (session: Session, command: CommandLine) => Promise<void>;
}

export const AUTHORIZATION: readonly SessionState[] = ['authorization'];
export const TRANSACTION: readonly SessionState[] = ['transaction'];
export const BOTH: readonly SessionState[] = ['authorization', 'transaction'];

/** A hook's error message as -ERR text: one line, no more than 200 characters. */
export function hookMessage(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/[\r\n]+/g, ' ').slice(0, 200) || 'Refused';
}
