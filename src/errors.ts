/**
 * Every error pop3kit throws. The first question a caller has is "is the connection still
 * usable?": only `Pop3ServerError` (a -ERR reply) and a refusal made before anything was
 * written leave it open; every other error closes it. Each class carries a stable `code`, so
 * callers can switch on it even across duplicate copies of the package.
 */

export type Pop3ErrorCode =
  | 'POP3_ERROR'
  | 'POP3_SERVER_ERROR'
  | 'POP3_AUTH_ERROR'
  | 'POP3_PROTOCOL_ERROR'
  | 'POP3_CONNECTION_ERROR'
  | 'POP3_TIMEOUT'
  | 'POP3_TLS_ERROR'
  | 'POP3_SECURITY_ERROR'
  | 'POP3_STATE_ERROR';

export class Pop3Error extends Error {
  readonly code: Pop3ErrorCode = 'POP3_ERROR';
  override get name(): string {
    return this.constructor.name;
  }
}

/** The server answered -ERR. The connection stays usable. */
export class Pop3ServerError extends Pop3Error {
  override readonly code: Pop3ErrorCode = 'POP3_SERVER_ERROR';
  /** The server's text after "-ERR ", RESP-CODE included as sent. */
  readonly response: string;
  /** The RFC 2449/3206 response code (`IN-USE`, `SYS/TEMP`, `AUTH`, ...), upper-case, if any. */
  readonly responseCode: string | undefined;
  /** The command verb (never its arguments, which may be secrets). */
  readonly command: string;

  constructor(command: string, response: string, responseCode: string | undefined, options?: ErrorOptions) {
    super(`${command} failed: -ERR ${response}`, options);
    this.command = command;
    this.response = response;
    this.responseCode = responseCode;
  }
}

/** A login (USER/PASS, APOP, AUTH) was refused. Inspect `responseCode` to tell a wrong
 * password (`AUTH`) from "try later" (`SYS/TEMP`, `IN-USE`, `LOGIN-DELAY`). */
export class Pop3AuthError extends Pop3ServerError {
  override readonly code: Pop3ErrorCode = 'POP3_AUTH_ERROR';
}

/** The server sent malformed or oversized data. The connection is closed. */
export class Pop3ProtocolError extends Pop3Error {
  override readonly code: Pop3ErrorCode = 'POP3_PROTOCOL_ERROR';
}

/** Connection refused, reset or closed mid-response. */
export class Pop3ConnectionError extends Pop3Error {
  override readonly code: Pop3ErrorCode = 'POP3_CONNECTION_ERROR';
}

export type TimeoutPhase = 'connect' | 'greeting' | 'tls' | 'idle';

/** No progress within the configured time. The connection is closed. */
export class Pop3TimeoutError extends Pop3Error {
  override readonly code: Pop3ErrorCode = 'POP3_TIMEOUT';
  readonly phase: TimeoutPhase;
  constructor(phase: TimeoutPhase, ms: number) {
    super(`POP3 ${phase} timeout after ${ms} ms`);
    this.phase = phase;
  }
}

/** TLS handshake, certificate or host name verification failed. The connection is closed. */
export class Pop3TlsError extends Pop3Error {
  override readonly code: Pop3ErrorCode = 'POP3_TLS_ERROR';
}

/** The client refused to do something unsafe. Thrown before anything reaches the wire. */
export class Pop3SecurityError extends Pop3Error {
  override readonly code: Pop3ErrorCode = 'POP3_SECURITY_ERROR';
}

/** API misuse: a command after close, STLS twice, STLS on an implicit TLS connection. */
export class Pop3StateError extends Pop3Error {
  override readonly code: Pop3ErrorCode = 'POP3_STATE_ERROR';
}
