import { Pop3ServerError } from '../../errors.js';
import { errLine } from './responses.js';

/**
 * poplib's only exception. `args[0]` is what Python's holds: the server's `-ERR` line as
 * bytes for a -ERR, otherwise a message. `cause` is the pop3kit error behind it
 * (`Pop3ServerError`, `Pop3AuthError`, `Pop3ProtocolError`, `Pop3ConnectionError`,
 * `Pop3TimeoutError`, `Pop3TlsError`, `Pop3SecurityError`, `Pop3StateError`, or a
 * `TypeError`/`RangeError` for an argument pop3kit refuses), so callers can tell a -ERR
 * (connection still usable) from a failure that closed the connection.
 */
export class error_proto extends Error {
  override name = 'error_proto';
  readonly args: readonly [Buffer | string];

  constructor(arg: Buffer | string, options?: ErrorOptions) {
    super(typeof arg === 'string' ? arg : arg.toString('utf8'), options);
    this.args = [arg];
  }
}

/** Maps any failure to error_proto, keeping the pop3kit error as `cause`. */
export function toErrorProto(error: unknown): error_proto {
  if (error instanceof error_proto) return error;
  // poplib raises error_proto(resp): the whole -ERR line, as bytes.
  if (error instanceof Pop3ServerError) return new error_proto(errLine(error.response), { cause: error });
  return new error_proto(error instanceof Error ? error.message : String(error), { cause: error });
}

/** The pop3kit error behind an error_proto, or the error itself. */
export function unwrap(error: unknown): unknown {
  return error instanceof error_proto && error.cause !== undefined ? error.cause : error;
}
