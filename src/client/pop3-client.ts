import type net from 'node:net';
import type { Readable } from 'node:stream';
import type tls from 'node:tls';
import {
  Pop3AuthError,
  Pop3ConnectionError,
  Pop3ProtocolError,
  Pop3SecurityError,
  Pop3ServerError,
  Pop3StateError,
} from '../errors.js';
import { extractApopTimestamp } from '../protocol/apop.js';
import {
  type Capabilities,
  type CapabilityMap,
  describeCapabilities,
  parseCapabilities,
} from '../protocol/capabilities.js';
import { DEFAULT_MAX_LINE_LENGTH, POP3_PORT, POP3S_PORT } from '../protocol/constants.js';
import { encodeCommand } from '../protocol/encoder.js';
import {
  type MaildropStat,
  type MessageSize,
  type MessageUid,
  parseListLine,
  parseStat,
  parseUidlLine,
} from '../protocol/listings.js';
import { openSocket } from '../transport/connect.js';
import { isLoopbackAddress, isLoopbackHost } from '../transport/loopback.js';
import { upgradeToTls } from '../transport/starttls.js';
import {
  type BulkItem,
  type BulkOptions,
  DEFAULT_MAX_BYTES_IN_FLIGHT,
  fetchMany,
  type RetrievedMessage,
  sizeOf,
  streamMany,
} from './bulk.js';
import { CommandQueue, type CommandSpec, type Reply } from './command-queue.js';
import {
  bodySpec,
  listingSpec,
  type RawReply,
  rawSpec,
  type SpecLimits,
  simpleSpec,
  streamSpec,
  textOf,
} from './command-specs.js';
import { type DebugLevel, DebugLog } from './debug-log.js';
import { chooseLoginMethod } from './login-method.js';
import type { ConnectOptions, Credentials, StartTlsMode } from './options.js';
import type { Window } from './pipelined.js';
import { SaslExchange } from './sasl-exchange.js';

export type ClientState = 'authorization' | 'transaction' | 'closed';

const DEFAULT_TIMEOUT = 60_000;
const DEFAULT_MAX_LISTING = 64 * 1024 * 1024;
/** Measured (docs/performance.md): 200 beat 100 by 9% at 10 ms RTT and tied on loopback;
 * larger windows only cost memory. */
const DEFAULT_MAX_IN_FLIGHT = 200;

/** Largest delay Node's timers accept; above it they fire at once. 0 means no timeout. */
const MAX_TIMEOUT = 2 ** 31 - 1;

function checkTimeout(name: string, ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIMEOUT) {
    throw new RangeError(`${name} must be an integer from 0 (none) to ${MAX_TIMEOUT} ms, got ${String(ms)}`);
  }
  return ms;
}

/**
 * A POP3 client (RFC 1939, with CAPA, STLS, SASL, UTF8, RESP-CODES and PIPELINING).
 * Commands may be issued without awaiting the previous one: replies always resolve in order,
 * and are pipelined when the server advertises PIPELINING.
 */
export class Pop3Client implements AsyncDisposable {
  /** The greeting text after "+OK ". */
  readonly welcome: string;
  /** The whole greeting line as sent, without CRLF (poplib's getwelcome()). */
  readonly welcomeLine: Buffer;
  readonly #options: ConnectOptions;
  readonly #queue: CommandQueue;
  readonly #log: DebugLog;
  readonly #limits: SpecLimits;
  readonly #loopback: boolean;
  #tls: boolean;
  #capabilityMap: CapabilityMap = Object.create(null);
  #state: ClientState = 'authorization';
  #closedByUser = false;

  private constructor(options: ConnectOptions, queue: CommandQueue, log: DebugLog, greeting: Reply) {
    this.#options = options;
    this.#queue = queue;
    this.#log = log;
    this.welcome = greeting.text;
    this.#limits = {
      maxMessageSize: options.maxMessageSize ?? Number.POSITIVE_INFINITY,
      maxListingSize: options.maxListingSize ?? DEFAULT_MAX_LISTING,
      maxLineLength: options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH,
      log,
    };
    this.welcomeLine = greeting.line;
    this.#tls = options.secure === true;
    // Through a caller's own connection (a proxy, a tunnel) the peer address says nothing
    // about where the server is, so only the host name can vouch for loopback.
    this.#loopback = options.createConnection
      ? isLoopbackHost(options.host)
      : isLoopbackAddress(queue.socket.remoteAddress);
  }

  /**
   * Connects, reads the greeting and CAPA, upgrades with STLS as `starttls` says, and logs in
   * when `auth` is given.
   * @throws Pop3ConnectionError, Pop3TimeoutError, Pop3TlsError, Pop3ServerError (a -ERR
   *   greeting), Pop3SecurityError (STLS required but not offered), Pop3AuthError.
   */
  static async connect(options: ConnectOptions): Promise<Pop3Client> {
    const timeout = checkTimeout('timeout', options.timeout ?? DEFAULT_TIMEOUT);
    const socket = await openSocket({
      host: options.host,
      port: options.port ?? (options.secure ? POP3S_PORT : POP3_PORT),
      secure: options.secure === true,
      tls: options.tls,
      connectTimeout: checkTimeout('connectTimeout', options.connectTimeout ?? timeout),
      signal: options.signal,
      createConnection: options.createConnection,
    });
    const log = new DebugLog(options.debugLevel ?? 0, options.logger);
    const queue = new CommandQueue(socket, {
      maxLineLength: options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH,
      idleTimeout: timeout,
      maxInFlight: options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      log,
    });
    let client: Pop3Client | undefined;
    const onAbort = () =>
      queue.fail(new Pop3ConnectionError('connection aborted', { cause: options.signal?.reason }));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    queue.onClose = () => {
      options.signal?.removeEventListener('abort', onAbort);
      if (client) client.#state = 'closed';
    };
    try {
      const greeting = await queue.send({ verb: 'greeting', line: undefined });
      client = new Pop3Client(options, queue, log, greeting);
      await client.#setUp(options);
      return client;
    } catch (error) {
      queue.fail(error instanceof Error ? error : new Pop3ConnectionError(String(error)));
      throw error;
    }
  }

  async #setUp(options: ConnectOptions): Promise<void> {
    await this.#refreshCapabilities();
    if (!this.#tls) {
      const mode: StartTlsMode = options.starttls ?? (this.#loopback ? 'opportunistic' : 'required');
      if (mode !== 'never' && 'STLS' in this.#capabilityMap) await this.stls();
      else if (mode === 'required') {
        throw new Pop3SecurityError(
          `${options.host} does not offer STLS, and starttls is 'required' by default; ` +
            "use secure: true (port 995), or starttls: 'never' to accept a plaintext connection",
        );
      }
    }
    if (options.auth) await this.login(options.auth);
  }

  /** 'authorization' until a login succeeds, 'transaction' after, 'closed' once closed. */
  get state(): ClientState {
    return this.#state;
  }

  /** True when the connection is encrypted (implicit TLS or after STLS). */
  get secure(): boolean {
    return this.#tls;
  }

  /** The last CAPA reply as a typed view (re-read after STLS and after login). */
  get capabilities(): Capabilities {
    return describeCapabilities(this.#capabilityMap);
  }

  /** Debug output: 0 none, 1 commands and status lines, 2 every line (poplib's set_debuglevel). */
  setDebugLevel(level: DebugLevel): void {
    this.#log.level = level;
  }

  /** CAPA (RFC 2449): capability name (upper-case) -> arguments. @throws Pop3ServerError */
  capa(): Promise<Record<string, string[]>> {
    return this.#run(() => this.#capaSpec());
  }

  #capaSpec(): CommandSpec<Record<string, string[]>> {
    return listingSpec(
      'CAPA',
      (lines) => {
        // Applied in the reader, before any later command is written on the old assumptions.
        this.#capabilityMap = parseCapabilities(lines);
        this.#applyPipelining();
        return { ...this.#capabilityMap };
      },
      this.#limits,
    );
  }

  /** Servers change capabilities after STLS and login; the old ones must not be trusted.
   * `first` puts CAPA ahead of anything queued meanwhile (after STLS). */
  async #refreshCapabilities(first = false): Promise<void> {
    this.#forgetCapabilities();
    try {
      await this.#queue.send(this.#capaSpec(), first);
    } catch (error) {
      if (!(error instanceof Pop3ServerError)) throw error;
    }
  }

  #forgetCapabilities(): void {
    this.#capabilityMap = Object.create(null);
    this.#applyPipelining();
  }

  /**
   * STLS (RFC 2595 §4): upgrades to TLS, discards any plaintext the server sent after "+OK",
   * and reads CAPA again. Resolves to the server text.
   * @throws Pop3StateError (already TLS, or after login), Pop3ServerError, Pop3TlsError.
   */
  async stls(tlsOptions?: tls.ConnectionOptions): Promise<string> {
    if (this.#tls) throw new Pop3StateError('the connection already uses TLS');
    if (this.#state !== 'authorization') throw new Pop3StateError('STLS is only allowed before login');
    const queue = this.#queue;
    const reply = await this.#send({
      verb: 'STLS',
      line: encodeCommand('STLS'),
      barrier: true,
      holdAfterOk: true,
      onOk: () => {
        queue.detach();
        // Nothing learnt in plaintext is trusted, pipelining included, until CAPA over TLS.
        this.#forgetCapabilities();
      },
    });
    let upgraded: Awaited<ReturnType<typeof upgradeToTls>>;
    try {
      upgraded = await upgradeToTls(
        queue.socket as net.Socket,
        this.#options.host,
        tlsOptions ?? this.#options.tls,
        this.#options.connectTimeout ?? this.#options.timeout ?? DEFAULT_TIMEOUT,
      );
      if (upgraded.discarded > 0)
        this.#log.note(`discarded ${upgraded.discarded} plaintext octets after STLS`);
      this.#tls = true;
    } catch (error) {
      queue.fail(error as Error);
      throw error;
    }
    // CAPA goes first on the new socket, ahead of whatever was queued behind STLS.
    const refreshed = this.#refreshCapabilities(true);
    queue.release(upgraded.socket);
    await refreshed;
    return reply.text;
  }

  /** USER (RFC 1939 §7). @throws Pop3AuthError, Pop3SecurityError */
  user(name: string): Promise<string> {
    return this.#credentialCommand('USER', [name], `USER ${name}`);
  }

  /** PASS (RFC 1939 §7); on success the session enters TRANSACTION. @throws Pop3AuthError */
  async pass(password: string): Promise<string> {
    const text = await this.#credentialCommand('PASS', [password], 'PASS ****');
    await this.#afterLogin();
    return text;
  }

  /** APOP (RFC 1939 §7) with the greeting's timestamp, which must be a valid msg-id.
   * @throws Pop3SecurityError (no valid timestamp), Pop3AuthError */
  async apop(name: string, secret: string): Promise<string> {
    const timestamp = extractApopTimestamp(this.welcome);
    if (!timestamp)
      throw new Pop3SecurityError('the server greeting has no valid APOP timestamp; APOP refused');
    // Loaded on use: node:crypto is not needed by a USER/PASS session.
    const { apopDigest } = await import('../sasl/apop.js');
    const text = await this.#credentialCommand(
      'APOP',
      [name, apopDigest(timestamp, secret)],
      `APOP ${name} ****`,
    );
    await this.#afterLogin();
    return text;
  }

  /** RPOP (RFC 1081; obsolete, kept for poplib parity). @throws Pop3AuthError */
  rpop(name: string): Promise<string> {
    return this.#credentialCommand('RPOP', [name], `RPOP ${name}`);
  }

  /**
   * AUTH (RFC 5034) with a SASL mechanism. Resolves to the server text.
   * @throws Pop3AuthError (refused), Pop3ProtocolError (hostile challenge, wrong server proof;
   *   the connection is closed), Pop3SecurityError, TypeError (unknown mechanism).
   */
  async auth(mechanism: string, credentials: Credentials): Promise<string> {
    this.#assertCredentialsAllowed();
    const token =
      typeof credentials.accessToken === 'function'
        ? await credentials.accessToken()
        : credentials.accessToken;
    // Loaded on use: the mechanisms pull in node:crypto and SASLprep's tables.
    const { createClientMechanism } = await import('../sasl/index.js');
    const exchange = new SaslExchange(
      createClientMechanism(
        mechanism,
        { user: credentials.user, pass: credentials.pass, accessToken: token, authzid: credentials.authzid },
        { oauthbearer: { host: this.#options.host, port: this.#queue.socket.remotePort } },
      ),
    );
    try {
      const reply = await this.#send({
        verb: 'AUTH',
        line: exchange.line,
        logLine: exchange.logLine,
        barrier: true,
        onContinuation: (text) => exchange.respond(text),
        errorFor: (text, code) => {
          const failure = exchange.failure;
          // A refusal reported inside the mechanism (SCRAM e=) is still just a refused login.
          if (failure === undefined || failure instanceof Pop3ServerError) {
            return new Pop3AuthError('AUTH', text, code, { cause: failure });
          }
          return failure;
        },
      });
      exchange.finish();
      await this.#afterLogin();
      return reply.text;
    } catch (error) {
      // Our side failed (not a plain refusal): the session can no longer be trusted.
      if (
        !(error instanceof Pop3ServerError) &&
        (error === exchange.failure || error instanceof Pop3ProtocolError)
      ) {
        this.#queue.fail(error as Error);
      }
      throw error;
    }
  }

  /**
   * Logs in the strongest way the server allows: with `accessToken`, OAUTHBEARER or XOAUTH2;
   * with a password, SCRAM-SHA-256 > SCRAM-SHA-1 > CRAM-MD5 > APOP > PLAIN > LOGIN > USER/PASS.
   * `credentials.mechanism` forces one. @throws Pop3AuthError, Pop3SecurityError
   */
  async login(credentials: Credentials): Promise<string> {
    const method = chooseLoginMethod(
      credentials,
      this.capabilities,
      extractApopTimestamp(this.welcome) !== undefined,
    );
    if (method === 'USER') {
      this.#assertCredentialsAllowed();
      if (credentials.pass === undefined) throw new TypeError('USER/PASS login needs a password');
      await this.user(credentials.user);
      return this.pass(credentials.pass);
    }
    if (method === 'APOP') {
      if (credentials.pass === undefined) throw new TypeError('APOP needs a password');
      this.#assertCredentialsAllowed();
      return this.apop(credentials.user, credentials.pass);
    }
    return this.auth(method, credentials);
  }

  /** STAT: message count and maildrop size in octets. */
  stat(): Promise<MaildropStat> {
    return this.#run(() => simpleSpec('STAT', undefined, parseStat));
  }

  /** LIST: every message's size, or one message's. */
  list(): Promise<MessageSize[]>;
  list(msg: number): Promise<MessageSize>;
  list(msg?: number): Promise<MessageSize[] | MessageSize> {
    return this.#run<MessageSize[] | MessageSize>(() =>
      msg === undefined
        ? listingSpec('LIST', (lines) => lines.map(parseListLine), this.#limits, 'latin1')
        : simpleSpec('LIST', msg, parseListLine),
    );
  }

  /** UIDL: every message's unique id, or one message's. */
  uidl(): Promise<MessageUid[]>;
  uidl(msg: number): Promise<MessageUid>;
  uidl(msg?: number): Promise<MessageUid[] | MessageUid> {
    return this.#run<MessageUid[] | MessageUid>(() =>
      msg === undefined
        ? listingSpec('UIDL', (lines) => lines.map(parseUidlLine), this.#limits, 'latin1')
        : simpleSpec('UIDL', msg, parseUidlLine),
    );
  }

  /** RETR: the whole message, dot-stuffing undone, line endings as sent. */
  retr(msg: number): Promise<Buffer> {
    return this.#run(() => bodySpec('RETR', [msg], this.#limits));
  }

  /**
   * RETR as a Readable with backpressure: resolves once the server said "+OK". A slow reader
   * pauses the socket; destroying the stream early drains the rest so the session stays in
   * step. Read or destroy it before awaiting later commands: their replies queue behind it.
   */
  retrStream(msg: number): Promise<Readable> {
    return this.#run(() => streamSpec(msg, this.#limits));
  }

  /** TOP: the headers, the blank line and the first `lines` body lines. */
  top(msg: number, lines: number): Promise<Buffer> {
    return this.#run(() => bodySpec('TOP', [msg, lines], this.#limits));
  }

  /**
   * RETR of many messages, pipelined in a window (sequential when the server does not
   * advertise PIPELINING), yielded in the order asked. Breaking out of the loop stops
   * sending and drains what was sent, leaving the session usable.
   * @throws Pop3ServerError for a message the server refuses (the loop ends there).
   */
  retrMany(
    msgs: Iterable<BulkItem>,
    options: BulkOptions = {},
  ): AsyncGenerator<RetrievedMessage<Buffer>, void, undefined> {
    return fetchMany(msgs, (msg) => this.retr(msg), this.#bulkWindow(options), sizeOf);
  }

  /** TOP of many messages, pipelined like retrMany. */
  topMany(
    msgs: Iterable<BulkItem>,
    lines: number,
    options: BulkOptions = {},
  ): AsyncGenerator<RetrievedMessage<Buffer>, void, undefined> {
    // TOP returns an unknown part of each message: only the count bounds the window.
    return fetchMany(
      msgs,
      (msg) => this.top(msg, lines),
      this.#bulkWindow(options),
      () => 0,
    );
  }

  /**
   * Like retrMany, but each message is a backpressured Readable, so thousands can be piped
   * to disk without holding one in memory. Each stream must be read to its end (or
   * destroyed, which discards the rest) for the next message to arrive; the iterator waits
   * for the previous stream to finish before yielding the next.
   */
  retrManyStreams(
    msgs: Iterable<BulkItem>,
    options: BulkOptions = {},
  ): AsyncGenerator<RetrievedMessage<Readable>, void, undefined> {
    return streamMany(msgs, (msg) => this.retrStream(msg), this.#bulkWindow(options));
  }

  /** DELE of many messages, pipelined. Resolves when all are marked; rejects with the first
   * error after every reply has arrived (the session stays in step). */
  async deleMany(msgs: Iterable<number>): Promise<void> {
    const outcomes = await Promise.allSettled(Array.from(msgs, (msg) => this.dele(msg)));
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;
  }

  /**
   * Any other command, for extensions and for exact bytes (the poplib facade's raw status
   * lines). Arguments go through the same encoder: CR, LF and NUL are refused. Pass
   * `multiline` for commands whose "+OK" is followed by a dot-terminated body.
   * @throws Pop3ServerError, Pop3StateError (STLS, AUTH, QUIT, UTF8 and the credential
   *   commands USER, PASS, APOP, RPOP: use their methods)
   */
  command(
    verb: string,
    args: readonly (string | number)[] = [],
    options: { readonly multiline?: boolean } = {},
  ): Promise<RawReply> {
    return this.#run(() => rawSpec(verb, args, options.multiline === true, this.#limits));
  }

  /** DELE: marks a message; it is removed when QUIT commits. */
  dele(msg: number): Promise<string> {
    return this.#run(() => simpleSpec('DELE', msg, textOf));
  }

  /** RSET: unmarks every deleted message. */
  rset(): Promise<string> {
    return this.#run(() => simpleSpec('RSET', undefined, textOf));
  }

  /** NOOP: keeps the session alive. */
  noop(): Promise<string> {
    return this.#run(() => simpleSpec('NOOP', undefined, textOf));
  }

  /** UTF8 (RFC 6856): user names, passwords and text are UTF-8 from here on. */
  utf8(): Promise<string> {
    return this.#run(() => ({ ...simpleSpec('UTF8', undefined, textOf), barrier: true }));
  }

  /** QUIT: commits deletions (UPDATE state) and closes. Resolves to the server text. */
  async quit(): Promise<string> {
    const queue = this.#queue;
    try {
      const reply = await this.#send({
        verb: 'QUIT',
        line: encodeCommand('QUIT'),
        barrier: true,
        onOk: () => queue.expectClose(),
      });
      return reply.text;
    } finally {
      this.#closedByUser = true;
      this.#state = 'closed';
      queue.fail(new Pop3StateError('the client is closed'));
    }
  }

  /** Closes without QUIT: nothing marked for deletion is deleted (poplib's close()). */
  close(): void {
    this.#closedByUser = true;
    this.#state = 'closed';
    this.#queue.fail(new Pop3StateError('the client is closed'));
  }

  /** `await using client = await Pop3Client.connect(...)`: QUIT when usable, else close. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state === 'closed') return;
    try {
      await this.quit();
    } catch {
      this.close();
    }
  }

  #applyPipelining(): void {
    const mode = this.#options.pipelining ?? 'auto';
    this.#queue.pipelining = mode === 'on' || (mode === 'auto' && 'PIPELINING' in this.#capabilityMap);
  }

  #bulkWindow(options: BulkOptions): Window {
    return {
      count: options.window ?? this.#options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT,
      weight: options.maxBytesInFlight ?? DEFAULT_MAX_BYTES_IN_FLIGHT,
    };
  }

  #send<T = Reply>(spec: CommandSpec<T>): Promise<T> {
    if (this.#closedByUser) return Promise.reject(new Pop3StateError('the client is closed'));
    return this.#queue.send(spec);
  }

  /** Builds and queues a command; a refusal while building (a bad argument) rejects the
   * promise instead of throwing, with nothing written. */
  #run<T>(build: () => CommandSpec<T>): Promise<T> {
    let spec: CommandSpec<T>;
    try {
      spec = build();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#send(spec);
  }

  async #credentialCommand(verb: string, args: string[], logLine: string): Promise<string> {
    this.#assertCredentialsAllowed();
    const reply = await this.#send({
      verb,
      line: encodeCommand(verb, args),
      logLine,
      errorFor: (text, code) => new Pop3AuthError(verb, text, code),
    });
    return reply.text;
  }

  #assertCredentialsAllowed(): void {
    if (this.#closedByUser || this.#queue.closed) throw new Pop3StateError('the client is closed');
    if (this.#tls || this.#loopback || this.#options.allowInsecureAuth) return;
    throw new Pop3SecurityError(
      `refusing to send credentials to ${this.#options.host} over a plaintext connection; ` +
        'use secure: true or STLS, or set allowInsecureAuth: true',
    );
  }

  async #afterLogin(): Promise<void> {
    this.#state = 'transaction';
    await this.#refreshCapabilities();
  }
}
