import type tls from 'node:tls';
import { POP3_PORT } from '../../protocol/constants.js';
import type { RawReply } from '../command-specs.js';
import type { ConnectOptions } from '../options.js';
import { Pop3Client } from '../pop3-client.js';
import { debugLevel, numberArgument, splitCommandLine, timeoutMs, type Which } from './arguments.js';
import { error_proto, toErrorProto, unwrap } from './error-proto.js';
import { type LongResponse, longResponse, okLine } from './responses.js';

/** pop3kit's connect options the facade passes through, as the last optional argument of
 * `connect`. Host, port, timeout and TLS mode come from poplib's own arguments. */
export type POP3Options = Omit<ConnectOptions, 'host' | 'port' | 'secure' | 'starttls' | 'timeout' | 'auth'>;

/** What a connected facade holds; made by `open()`. */
export interface Session {
  readonly client: Pop3Client;
  readonly host: string;
  readonly port: number;
  /** Seconds, or null for none. */
  readonly timeout: number | null;
}

const MULTILINE = { multiline: true } as const;

/** Connects with `options` (`timeout` in ms, 0 for none); every failure is an error_proto. */
export async function open(options: ConnectOptions & { readonly port: number }): Promise<Session> {
  try {
    const client = await Pop3Client.connect(options);
    const ms = options.timeout ?? 0;
    return { client, host: options.host, port: options.port, timeout: ms === 0 ? null : ms / 1000 };
  } catch (error) {
    throw toErrorProto(error);
  }
}

/**
 * poplib's POP3: a POP3 session over TCP that starts TLS only when `stls()` is called.
 * Create one with `await POP3.connect(host)`. Every method returns a promise; calls run one
 * at a time in the order they were made. Every failure rejects with {@link error_proto}.
 *
 * ```ts
 * import { POP3 } from 'pop3kit/poplib';
 * const M = await POP3.connect('mail.example.com', 110, 30, { tls: { ca } });
 * await M.stls();
 * await M.user('alice');
 * await M.pass_('secret');
 * const [count] = await M.stat();
 * const [, lines] = await M.retr(1);
 * await M.quit();
 * ```
 */
export class POP3 {
  /** The host given to `connect` (Python's `self.host`). */
  readonly host: string;
  /** The port given to `connect` (Python's `self.port`). */
  readonly port: number;
  /** The greeting line as sent, e.g. `+OK ready <1896.697170952@dbc.mtview.ca.us>`
   * (Python's `self.welcome`). */
  readonly welcome: Buffer;
  /** The timeout in seconds, `null` for none (what Python's `sock.gettimeout()` reports). */
  readonly timeout: number | null;
  /** The pop3kit client underneath, for code that moves to pop3kit's own API step by step. */
  readonly client: Pop3Client;
  #tail: Promise<unknown> = Promise.resolve();

  /** Use `POP3.connect()`: connecting is asynchronous in Node. */
  protected constructor(session: Session) {
    this.client = session.client;
    this.host = session.host;
    this.port = session.port;
    this.timeout = session.timeout;
    this.welcome = session.client.welcomeLine;
  }

  /**
   * Python's `POP3(host, port=110, timeout=...)`: connects and reads the greeting. TLS starts
   * only when `stls()` is called. `timeoutSeconds` bounds the connect and every wait for the
   * server (default 60, `null` for none). `options` are pop3kit's connect options, e.g.
   * `{ allowInsecureAuth: true }` to send a password in clear to a non-loopback host, `tls`
   * for `stls()`, `debugLevel`, `logger`, `maxLineLength`, `createConnection`.
   * @returns the session.
   * @throws error_proto (cause Pop3ConnectionError, Pop3TimeoutError, Pop3ServerError for a
   *   -ERR greeting, Pop3ProtocolError); RangeError, unwrapped, for a `timeoutSeconds` of 0
   *   (Python's ValueError), below 0 or above 2^31-1 ms.
   */
  static async connect(
    host: string,
    port: number = POP3_PORT,
    timeoutSeconds?: number | null,
    options: POP3Options = {},
  ): Promise<POP3> {
    const timeout = timeoutMs(timeoutSeconds);
    return new POP3(await open({ ...options, host, port, timeout, starttls: 'never' }));
  }

  /** Runs one call after the previous ones; any failure becomes an error_proto. */
  #call<T>(action: () => Promise<T>): Promise<T> {
    const run = this.#tail
      .then(() => action())
      .catch((error: unknown) => {
        throw toErrorProto(error);
      });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  #short(send: () => Promise<RawReply>): Promise<Buffer> {
    return this.#call(async () => (await send()).line);
  }

  #long(send: () => Promise<RawReply>): Promise<LongResponse> {
    return this.#call(async () => longResponse(await send()));
  }

  /** Python's `getwelcome()`. @returns the greeting line as sent, "+OK" included. */
  getwelcome(): Buffer {
    return this.welcome;
  }

  /**
   * Python's `set_debuglevel(level)`: 0 silent, 1 commands and status lines, 2 every line
   * (bodies as octet counts). Output goes to `options.logger`, else stderr; passwords and
   * APOP digests are never shown.
   */
  set_debuglevel(level: number): void {
    this.client.setDebugLevel(debugLevel(level));
  }

  /**
   * Python's `_shortcmd(line)`: sends a command line (verb upper-cased) and returns its
   * single-line reply. For extensions and tests (CPython's suite sends `echo -err`); a
   * multi-line reply read this way breaks the session, as in poplib.
   * @returns the status line. @throws error_proto (cause Pop3ServerError for -ERR;
   *   Pop3StateError for USER, PASS, APOP, RPOP, AUTH, STLS, UTF8 and QUIT, which have their
   *   methods; Pop3SecurityError for CR, LF or NUL; RangeError over 255 octets).
   */
  _shortcmd(line: string): Promise<Buffer> {
    return this.#short(() => this.client.command(...splitCommandLine(line)));
  }

  /**
   * Python's `_longcmd(line)`: like `_shortcmd`, for a reply whose "+OK" is followed by a
   * dot-terminated body.
   * @returns `[resp, lines, octets]`. @throws error_proto, as `_shortcmd`.
   */
  _longcmd(line: string): Promise<LongResponse> {
    return this.#long(() => this.client.command(...splitCommandLine(line), MULTILINE));
  }

  /**
   * Python's `user(user)`: USER.
   * @returns the status line, e.g. `+OK password required`.
   * @throws error_proto (cause Pop3AuthError for -ERR, Pop3SecurityError for plaintext to a
   *   non-loopback host without `allowInsecureAuth`, or CR/LF/NUL in the name).
   */
  user(user: string): Promise<Buffer> {
    return this.#call(async () => okLine(await this.client.user(user)));
  }

  /**
   * Python's `pass_(pswd)`: PASS.
   * @returns the status line, e.g. `+OK 2 messages`.
   * @throws error_proto (cause Pop3AuthError, Pop3SecurityError).
   */
  pass_(pswd: string): Promise<Buffer> {
    return this.#call(async () => okLine(await this.client.pass(pswd)));
  }

  /**
   * Python's `apop(user, password)`: APOP with the MD5 digest of the greeting's timestamp.
   * Unlike poplib, the timestamp must be a valid msg-id (`<...@...>`).
   * @returns the status line.
   * @throws error_proto (cause Pop3SecurityError when the greeting has no valid timestamp or
   *   the host is remote and the link plaintext, Pop3AuthError for -ERR).
   */
  apop(user: string, password: string): Promise<Buffer> {
    return this.#call(async () => okLine(await this.client.apop(user, password)));
  }

  /** Python's `rpop(user)`: RPOP (RFC 1081). @returns the status line.
   * @throws error_proto (cause Pop3AuthError, Pop3SecurityError). */
  rpop(user: string): Promise<Buffer> {
    return this.#call(async () => okLine(await this.client.rpop(user)));
  }

  /**
   * Python's `stat()`: STAT.
   * @returns `[messageCount, mailboxSize]`.
   * @throws error_proto (cause Pop3ServerError, Pop3ProtocolError for a malformed reply).
   */
  stat(): Promise<[count: number, size: number]> {
    return this.#call(async () => {
      const { count, size } = await this.client.stat();
      return [count, size];
    });
  }

  /**
   * Python's `list(which=None)`: LIST.
   * @returns with `which`, the scan listing line (`+OK 1 120`); without, `[resp, ['1 120',
   *   ...], octets]`, lines as sent.
   * @throws error_proto (cause Pop3ServerError, TypeError for a `which` that is not a number).
   */
  list(which?: null): Promise<LongResponse>;
  list(which: Which): Promise<Buffer>;
  list(which?: Which | null): Promise<LongResponse | Buffer> {
    if (which === undefined || which === null)
      return this.#long(() => this.client.command('LIST', [], MULTILINE));
    return this.#short(() => this.client.command('LIST', [numberArgument('LIST', which, 'message number')]));
  }

  /**
   * Python's `retr(which)`: RETR.
   * @returns `[resp, lines, octets]`: lines without their endings, dot-stuffing undone.
   * @throws error_proto (cause Pop3ServerError, TypeError).
   */
  retr(which: Which): Promise<LongResponse> {
    return this.#long(() =>
      this.client.command('RETR', [numberArgument('RETR', which, 'message number')], MULTILINE),
    );
  }

  /**
   * Python's `top(which, howmuch)`: TOP, the headers and `howmuch` body lines.
   * @returns `[resp, lines, octets]`.
   * @throws error_proto (cause Pop3ServerError, TypeError).
   */
  top(which: Which, howmuch: Which): Promise<LongResponse> {
    return this.#long(() =>
      this.client.command(
        'TOP',
        [numberArgument('TOP', which, 'message number'), numberArgument('TOP', howmuch, 'line count')],
        MULTILINE,
      ),
    );
  }

  /** Python's `dele(which)`: DELE. @returns the status line.
   * @throws error_proto (cause Pop3ServerError, TypeError). */
  dele(which: Which): Promise<Buffer> {
    return this.#short(() => this.client.command('DELE', [numberArgument('DELE', which, 'message number')]));
  }

  /** Python's `rset()`: RSET. @returns the status line. @throws error_proto */
  rset(): Promise<Buffer> {
    return this.#short(() => this.client.command('RSET'));
  }

  /** Python's `noop()`: NOOP. @returns the status line. @throws error_proto */
  noop(): Promise<Buffer> {
    return this.#short(() => this.client.command('NOOP'));
  }

  /**
   * Python's `uidl(which=None)`: UIDL.
   * @returns with `which`, the line `+OK 1 uid`; without, `[resp, ['1 uid', ...], octets]`.
   * @throws error_proto (cause Pop3ServerError, TypeError).
   */
  uidl(which?: null): Promise<LongResponse>;
  uidl(which: Which): Promise<Buffer>;
  uidl(which?: Which | null): Promise<LongResponse | Buffer> {
    if (which === undefined || which === null)
      return this.#long(() => this.client.command('UIDL', [], MULTILINE));
    return this.#short(() => this.client.command('UIDL', [numberArgument('UIDL', which, 'message number')]));
  }

  /** Python's `utf8()`: UTF8 (RFC 6856). @returns the status line. @throws error_proto */
  utf8(): Promise<Buffer> {
    return this.#call(async () => okLine(await this.client.utf8()));
  }

  /**
   * Python's `capa()`: CAPA (RFC 2449).
   * @returns capability name -> arguments, e.g. `{ TOP: [], SASL: ['PLAIN'] }`. Unlike
   *   poplib, names are upper-cased (they are case-insensitive).
   * @throws error_proto('-ERR CAPA not supported by server'), as poplib does for any failure.
   */
  async capa(): Promise<Record<string, string[]>> {
    try {
      const caps = await this.#call(() => this.client.capa());
      return Object.fromEntries(Object.entries(caps).map(([name, args]) => [name, [...args]]));
    } catch (error) {
      throw new error_proto('-ERR CAPA not supported by server', { cause: unwrap(error) });
    }
  }

  /**
   * Python's `stls(context=None)`: STLS (RFC 2595), after checking CAPA as poplib does.
   * `context` (Node TLS options, e.g. `{ ca }`) replaces the connect options' `tls`. Unlike
   * poplib's default context, the certificate is always verified against the host name given
   * to `connect` (or `context.servername`) unless `context` says `rejectUnauthorized: false`.
   * @returns the status line, e.g. `+OK Begin TLS negotiation`.
   * @throws error_proto ('-ERR TLS session already established', '-ERR STLS not supported by
   *   server', or cause Pop3TlsError when the handshake or verification fails, which closes
   *   the connection).
   */
  async stls(context?: tls.ConnectionOptions): Promise<Buffer> {
    if (this.client.secure) throw new error_proto('-ERR TLS session already established');
    const caps = await this.capa();
    if (!Object.hasOwn(caps, 'STLS')) throw new error_proto('-ERR STLS not supported by server');
    return this.#call(async () => okLine(await this.client.stls(context)));
  }

  /**
   * Python's `quit()`: QUIT, which commits deletions, then closes.
   * @returns the status line, e.g. `+OK bye`. @throws error_proto
   */
  quit(): Promise<Buffer> {
    return this.#call(async () => okLine(await this.client.quit()));
  }

  /** Python's `close()`: closes without QUIT, so nothing marked is deleted. Idempotent. */
  close(): void {
    this.client.close();
  }

  /** `await using M = await POP3.connect(...)`: QUIT when still open, else nothing. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.client[Symbol.asyncDispose]();
  }
}
