/**
 * `pop3kit/poplib`: Python's `poplib` on top of `Pop3Client`, for porting scripts.
 * Same class, method and constant names, Python's return shapes (`Buffer` for bytes,
 * `[resp, lines, octets]` for long responses, `[count, size]` for STAT) and one exception,
 * `error_proto`, whose `cause` is the pop3kit error behind it.
 *
 * It keeps pop3kit's security defaults where poplib's are weaker: certificates and host names
 * are verified, a password is not sent in clear to a non-loopback host unless the last
 * argument of `connect` says `allowInsecureAuth: true`, arguments holding CR, LF or NUL are
 * refused, and APOP needs a greeting timestamp that is a valid msg-id.
 *
 * Reference: CPython 3.11 Lib/poplib.py. The code is in `./poplib/`.
 */
export { POP3_PORT } from '../protocol/constants.js';
export type { Which } from './poplib/arguments.js';
export { error_proto } from './poplib/error-proto.js';
export { POP3, type POP3Options } from './poplib/pop3.js';
export { POP3_SSL, POP3_SSL_PORT, type POP3SSLArgs } from './poplib/pop3-ssl.js';
export type { LongResponse } from './poplib/responses.js';
