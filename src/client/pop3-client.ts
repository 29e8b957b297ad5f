import type net from 'node:net';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
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
import { assertMessageNumber, type CommandArgument, encodeCommand } from '../protocol/encoder.js';
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
import { CollectingSink, StreamSink } from './body-sinks.js';
import { CommandQueue, type CommandSpec, type Reply } from './command-queue.js';
import { type DebugLevel, DebugLog } from './debug-log.js';
import { listingLines } from './listing-lines.js';
import { chooseLoginMethod } from './login-method.js';
import type { ConnectOptions, Credentials, StartTlsMode } from './options.js';
import { pipelined, type Window } from './pipelined.js';
import { SaslExchange } from './sasl-exchange.js';

export type ClientState = 'authorization' | 'transaction' | 'closed';

const DEFAULT_TIMEOUT = 60_000;
const textOf = (text: string): string => text;
const DEFAULT_MAX_LISTING = 64 * 1024 * 1024;
/** Measured (docs/performance.md): 200 beat 100 by 9% at 10 ms RTT and tied on loopback;
 * larger windows only cost memory. */
const DEFAULT_MAX_IN_FLIGHT = 200;

/** A message number, or a LIST entry whose size lets the window bound the octets in flight. */
export type BulkItem = number | MessageSize;

/** Options of the bulk commands (retrMany, topMany, retrManyStreams). */
export interface BulkOptions {
  /** Most commands issued ahead of the consumer (default: the connection's maxInFlight). */
  readonly window?: number;
  /** Most octets of messages requested and not yet consumed, counted from the sizes of LIST
   * entries given as items (default 16 MiB); one message always goes, however large. */
  readonly maxBytesInFlight?: number;
}

const DEFAULT_MAX_BYTES_IN_FLIGHT = 16 * 1024 * 1024;
const msgOf = (item: BulkItem): number => (typeof item === 'number' ? item : item.msg);
const sizeOf = (item: BulkItem): number => (typeof item === 'number' ? 0 : item.size);

/** A reply as sent, for `command()`: the raw status line and the decoded body, if any. */
export interface RawReply {
  /** The "+OK" status line without CRLF. */
  readonly line: Buffer;
  /** The text after "+OK ". */
  readonly text: string;
  /** The body of a multi-line reply, dot-stuffing undone; undefined for single-line ones. */
  readonly body: Buffer | undefined;
}

/** Commands that change the session under the client's feet, or carry credentials (which
 * the plaintext policy and log redaction must see), have their own methods. */
const OWN_METHOD: Record<string, string> = {
  STLS: 'stls()',
  AUTH: 'auth()',
  QUIT: 'quit()',
  UTF8: 'utf8()',
  USER: 'user()',
  PASS: 'pass()',
  APOP: 'apop()',
  RPOP: 'rpop()',
};

/** Listing replies keep the listing limit when sent through command(). */
const LISTING_VERBS = new Set(['LIST', 'UIDL', 'CAPA']);

/** Largest delay Node's timers accept; above it they fire at once. 0 means no timeout. */
const MAX_TIMEOUT = 2 ** 31 - 1;

function checkTimeout(name: string, ms: number): number {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_TIMEOUT) {
    throw new RangeError(`${name} must be an integer from 0 (none) to ${MAX_TIMEOUT} ms, got ${String(ms)}`);
  }
  return ms;
}

export interface RetrievedMessage<T> {
  readonly msg: number;
  readonly data: T;
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
    return this.#listingSpec('CAPA', (lines) => {
      // Applied in the reader, before any later command is written on the old assumptions.
      this.#capabilityMap = parseCapabilities(lines);
      this.#applyPipelining();
      return { ...this.#capabilityMap };
    });
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
    return this.#run(() => this.#simpleSpec('STAT', undefined, (text) => parseStat(text)));
  }

  /** LIST: every message's size, or one message's. */
  list(): Promise<MessageSize[]>;
  list(msg: number): Promise<MessageSize>;
  list(msg?: number): Promise<MessageSize[] | MessageSize> {
    return this.#run<MessageSize[] | MessageSize>(() =>
      msg === undefined
        ? this.#listingSpec('LIST', (lines) => lines.map(parseListLine), 'latin1')
        : this.#simpleSpec('LIST', msg, parseListLine),
    );
  }

  /** UIDL: every message's unique id, or one message's. */
  uidl(): Promise<MessageUid[]>;
  uidl(msg: number): Promise<MessageUid>;
  uidl(msg?: number): Promise<MessageUid[] | MessageUid> {
    return this.#run<MessageUid[] | MessageUid>(() =>
      msg === undefined
        ? this.#listingSpec('UIDL', (lines) => lines.map(parseUidlLine), 'latin1')
        : this.#simpleSpec('UIDL', msg, parseUidlLine),
    );
  }

  /** RETR: the whole message, dot-stuffing undone, line endings as sent. */
  retr(msg: number): Promise<Buffer> {
    return this.#run(() => {
      assertMessageNumber('RETR', msg);
      return this.#bodySpec('RETR', [msg]);
    });
  }

  /**
   * RETR as a Readable with backpressure: resolves once the server said "+OK". A slow reader
   * pauses the socket; destroying the stream early drains the rest so the session stays in
   * step. Read or destroy it before awaiting later commands: their replies queue behind it.
   */
  retrStream(msg: number): Promise<Readable> {
    return this.#run(() => {
      assertMessageNumber('RETR', msg);
      const limit = this.#maxMessageSize;
      return {
        verb: 'RETR',
        line: encodeCommand('RETR', [msg]),
        multiline: true,
        resolveOnStatus: true,
        sink: () => new StreamSink(limit),
        result: (reply) => reply.sink as StreamSink,
      };
    });
  }

  /** TOP: the headers, the blank line and the first `lines` body lines. */
  top(msg: number, lines: number): Promise<Buffer> {
    return this.#run(() => {
      assertMessageNumber('TOP', msg);
      return this.#bodySpec('TOP', [msg, lines]);
    });
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
    return pipelined(
      msgs,
      async (item) => ({ msg: msgOf(item), data: await this.retr(msgOf(item)) }),
      this.#bulkWindow(options),
      sizeOf,
    );
  }

  /** TOP of many messages, pipelined like retrMany. */
  topMany(
    msgs: Iterable<BulkItem>,
    lines: number,
    options: BulkOptions = {},
  ): AsyncGenerator<RetrievedMessage<Buffer>, void, undefined> {
    // TOP returns an unknown part of each message: only the count bounds the window.
    return pipelined(
      msgs,
      async (item) => ({ msg: msgOf(item), data: await this.top(msgOf(item), lines) }),
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
  async *retrManyStreams(
    msgs: Iterable<BulkItem>,
    options: BulkOptions = {},
  ): AsyncGenerator<RetrievedMessage<Readable>, void, undefined> {
    const abandon = (item: RetrievedMessage<Readable>) => {
      item.data.destroy();
    };
    let previous: Readable | undefined;
    for await (const item of pipelined(
      msgs,
      async (item) => ({ msg: msgOf(item), data: await this.retrStream(msgOf(item)) }),
      this.#bulkWindow(options),
      sizeOf,
      abandon,
    )) {
      if (previous) await finished(previous).catch(() => {});
      previous = item.data;
      let resumed = false;
      try {
        yield item;
        resumed = true;
      } finally {
        // The caller left the loop: an unread stream would hold the socket paused and the
        // drain of what was already sent would wait forever, so its rest is discarded.
        if (!resumed) item.data.destroy();
      }
    }
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
    return this.#run(() => this.#rawSpec(verb, args, options.multiline === true));
  }

  #rawSpec(verb: string, args: readonly (string | number)[], multiline: boolean): CommandSpec<RawReply> {
    if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(verb))
      throw new TypeError(`not a POP3 command verb: ${JSON.stringify(verb)}`);
    const upper = verb.toUpperCase();
    const own = OWN_METHOD[upper];
    if (own) throw new Pop3StateError(`${upper} changes the session; use ${own}`);
    const limit = LISTING_VERBS.has(upper)
      ? (this.#options.maxListingSize ?? DEFAULT_MAX_LISTING)
      : this.#maxMessageSize;
    return {
      verb: upper,
      line: encodeCommand(upper, args),
      multiline,
      sink: multiline ? () => new CollectingSink(limit, upper) : undefined,
      result: (reply) => ({
        line: reply.line,
        text: reply.text,
        body: (reply.sink as CollectingSink | undefined)?.body,
      }),
    };
  }

  /** DELE: marks a message; it is removed when QUIT commits. */
  dele(msg: number): Promise<string> {
    return this.#run(() => this.#simpleSpec('DELE', msg, textOf));
  }

  /** RSET: unmarks every deleted message. */
  rset(): Promise<string> {
    return this.#run(() => this.#simpleSpec('RSET', undefined, textOf));
  }

  /** NOOP: keeps the session alive. */
  noop(): Promise<string> {
    return this.#run(() => this.#simpleSpec('NOOP', undefined, textOf));
  }

  /** UTF8 (RFC 6856): user names, passwords and text are UTF-8 from here on. */
  utf8(): Promise<string> {
    return this.#run(() => ({ ...this.#simpleSpec('UTF8', undefined, textOf), barrier: true }));
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

  get #maxMessageSize(): number {
    return this.#options.maxMessageSize ?? Number.POSITIVE_INFINITY;
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

  #simpleSpec<T>(verb: string, msg: number | undefined, shape: (text: string) => T): CommandSpec<T> {
    const args: CommandArgument[] = [];
    if (msg !== undefined) {
      assertMessageNumber(verb, msg);
      args.push(msg);
    }
    return { verb, line: encodeCommand(verb, args), result: (reply) => shape(reply.text) };
  }

  /** RETR and TOP into one Buffer. */
  #bodySpec(verb: string, args: CommandArgument[]): CommandSpec<Buffer> {
    const limit = this.#maxMessageSize;
    return {
      verb,
      line: encodeCommand(verb, args),
      multiline: true,
      sink: () => new CollectingSink(limit, verb),
      result: (reply) => (reply.sink as CollectingSink).body,
    };
  }

  /** LIST, UIDL and CAPA: a bounded body of bounded lines. */
  #listingSpec<T>(
    verb: string,
    shape: (lines: string[]) => T,
    encoding: BufferEncoding = 'utf8',
  ): CommandSpec<T> {
    const limit = this.#options.maxListingSize ?? DEFAULT_MAX_LISTING;
    const maxLine = this.#options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    const log = this.#log;
    return {
      verb,
      line: encodeCommand(verb),
      multiline: true,
      logsOwnBody: true,
      sink: () => new CollectingSink(limit, verb, maxLine),
      result: (reply) => {
        const lines = listingLines((reply.sink as CollectingSink).body, encoding);
        for (const line of lines) log.listingLine(line);
        return shape(lines);
      },
    };
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
