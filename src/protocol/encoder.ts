import { Pop3SecurityError } from '../errors.js';
import { MAX_COMMAND_LENGTH } from './constants.js';

export type CommandArgument = string | number;

/**
 * Encodes a command line. This is the only way bytes of a command reach the wire, so it is
 * where injection is refused: an argument holding CR, LF or NUL would let a caller's data
 * start a second command (poplib formats 'USER %s' unchecked). RFC 2449 §4 limits a command
 * to 255 octets including CRLF.
 */
export function encodeCommand(verb: string, args: readonly CommandArgument[] = []): Buffer {
  let line = verb;
  for (const arg of args) {
    if (typeof arg === 'number') {
      if (!Number.isSafeInteger(arg) || arg < 0) {
        throw new TypeError(`${verb}: numeric argument must be a non-negative integer, got ${String(arg)}`);
      }
      line += ` ${arg}`;
      continue;
    }
    if (/[\r\n\0]/.test(arg)) {
      // Never echo the argument: it may be a password.
      throw new Pop3SecurityError(`${verb}: argument contains CR, LF or NUL; refused before sending`);
    }
    line += ` ${arg}`;
  }
  const bytes = Buffer.from(`${line}\r\n`, 'utf8');
  if (bytes.length > MAX_COMMAND_LENGTH) {
    throw new RangeError(
      `${verb}: command is ${bytes.length} octets, over RFC 2449's limit of ${MAX_COMMAND_LENGTH}`,
    );
  }
  return bytes;
}

/** Checks a message number argument: RFC 1939 numbers start at 1. */
export function assertMessageNumber(verb: string, msg: number): void {
  if (!Number.isSafeInteger(msg) || msg < 1) {
    throw new TypeError(`${verb}: message number must be a positive integer, got ${String(msg)}`);
  }
}
