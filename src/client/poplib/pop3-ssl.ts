import type tls from 'node:tls';
import { POP3S_PORT } from '../../protocol/constants.js';
import { timeoutMs } from './arguments.js';
import { error_proto } from './error-proto.js';
import { open, POP3, type POP3Options, type Session } from './pop3.js';

/** poplib's POP3_SSL_PORT: POP3 over implicit TLS (RFC 8314). */
export const POP3_SSL_PORT = POP3S_PORT;

/** POP3_SSL's keyword arguments: `timeout` in seconds (`null`: none), and `context`, the
 * TLS options that play the part of Python's `ssl.SSLContext`. */
export interface POP3SSLArgs {
  readonly timeout?: number | null;
  readonly context?: tls.ConnectionOptions;
}

/** POP3's static side differs in `connect` (POP3_SSL takes keyword arguments), so the base is
 * seen only as a constructor of POP3 instances: a POP3_SSL still is a POP3 at run time. */
const POP3Base = POP3 as unknown as abstract new (session: Session) => POP3;

/**
 * poplib's POP3_SSL: POP3 over implicit TLS (port 995). Create one with
 * `await POP3_SSL.connect(host, port, { context: { ca } })`. The certificate and host name
 * are verified (Python's default context does neither).
 */
export class POP3_SSL extends POP3Base {
  /** Use `POP3_SSL.connect()`. */
  protected constructor(session: Session) {
    super(session);
  }

  /**
   * Python's `POP3_SSL(host, port=995, timeout=..., context=None)`. `context` is Node's
   * `tls.ConnectionOptions` (`ca`, `cert`, `key`, `servername`, ...), merged over
   * `options.tls`. poplib's deprecated `keyfile`/`certfile` are refused: pass
   * `context: { key, cert }`.
   * @throws error_proto (cause Pop3TlsError, Pop3ConnectionError, Pop3TimeoutError,
   *   Pop3ServerError); TypeError for `keyfile`/`certfile`; RangeError for a timeout of 0,
   *   below 0 or above 2^31-1 ms.
   */
  static async connect(
    host: string,
    port: number = POP3_SSL_PORT,
    args: POP3SSLArgs = {},
    options: POP3Options = {},
  ): Promise<POP3_SSL> {
    if ('keyfile' in args || 'certfile' in args) {
      throw new TypeError(
        'keyfile and certfile are not supported (removed in Python 3.12); use context: { key, cert }',
      );
    }
    const timeout = timeoutMs(args.timeout);
    const tlsOptions = { ...options.tls, ...args.context };
    return new POP3_SSL(await open({ ...options, host, port, timeout, secure: true, tls: tlsOptions }));
  }

  /**
   * Python's `POP3_SSL.stls()`: always fails, since the session is already TLS.
   * @throws error_proto('-ERR TLS session already established')
   */
  override async stls(_context?: tls.ConnectionOptions): Promise<Buffer> {
    throw new error_proto('-ERR TLS session already established');
  }
}
