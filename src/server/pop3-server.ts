import { EventEmitter } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { createSecureContext, TLSSocket } from 'node:tls';
import { Credentials } from './credentials.js';
import {
  type FaultOptions,
  type Pop3ServerOptions,
  type ResolvedLimits,
  resolveLimits,
  type SessionInfo,
  type SessionSummary,
} from './options.js';
import { Session, type SessionHost } from './session.js';

/** Events of `Pop3Server`, for logging and tests. */
export interface Pop3ServerEvents {
  /** A session started (after the TLS handshake, for implicit TLS). */
  connect: [info: SessionInfo];
  login: [info: SessionInfo];
  /** `user` is undefined when the mechanism failed before naming one. */
  loginFailed: [info: SessionInfo, user: string | undefined];
  sessionEnd: [info: SessionInfo, summary: SessionSummary];
  /** A socket, TLS or store error inside one session; the server goes on. */
  sessionError: [info: SessionInfo, error: Error];
  /** The listening socket failed after `listen()` resolved. */
  error: [error: Error];
}

export interface ListenOptions {
  /** Default 0: any free port (read it from the resolved address). */
  readonly port?: number;
  /** Default `127.0.0.1`; pass `0.0.0.0` or `::` to serve the network. */
  readonly host?: string;
}

let nextSessionId = 1;

/**
 * An embeddable POP3 server (RFC 1939 with RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 SASL):
 * plain, implicit TLS or STLS, over a `MemoryStore`, a `MaildirStore` or your own store.
 *
 * ```ts
 * const server = new Pop3Server({ store: new MemoryStore({ alice: ['Subject: hi\r\n\r\nhello\r\n'] }),
 *                                 users: { alice: 'secret' } });
 * const { port } = await server.listen();
 * // ... point a client at 127.0.0.1:port ...
 * await server.close();
 * ```
 */
export class Pop3Server extends EventEmitter<Pop3ServerEvents> {
  readonly #options: Pop3ServerOptions;
  readonly #limits: ResolvedLimits;
  /** What sessions see of the server; kept off the public surface. */
  readonly #host: SessionHost;
  readonly #server: Server;
  readonly #sessions = new Set<Session>();
  /** Implicit-TLS sockets still in their handshake. */
  readonly #handshakes = new Set<TLSSocket>();
  readonly #idleWaiters: (() => void)[] = [];
  #closing: Promise<void> | undefined;

  /** @throws TypeError when `secure` is set without `tls`. */
  constructor(options: Pop3ServerOptions) {
    super();
    if (options.secure && options.tls === undefined) {
      throw new TypeError('Pop3Server: `secure` (implicit TLS) needs `tls` with a key and certificate');
    }
    this.#options = options;
    this.#limits = resolveLimits(options);
    this.#host = {
      options,
      limits: this.#limits,
      credentials: new Credentials(options),
      hostname: options.hostname ?? hostname(),
      secureContext: options.tls === undefined ? undefined : createSecureContext(options.tls),
      sessionLogin: (info) => this.emit('login', info),
      sessionLoginFailed: (info, user) => this.emit('loginFailed', info, user),
      sessionError: (info, error) => this.emit('sessionError', info, error),
      sessionEnd: (session, reason) => this.#sessionEnded(session, reason),
    };
    this.#server = createServer(this.#onConnection);
    this.#server.on('error', (err) => {
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
  }

  /** Starts listening. Resolves to the bound address (`port` tells which port 0 became). */
  listen(options: ListenOptions = {}): Promise<AddressInfo> {
    const { port = 0, host = '127.0.0.1' } = options;
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** The bound address, once listening. */
  get address(): AddressInfo | undefined {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address : undefined;
  }

  /** Sessions open now. */
  get connections(): number {
    return this.#sessions.size;
  }

  /**
   * Stops accepting connections and lets open sessions finish for `graceMs` (default the
   * `closeTimeout` option, 5 s); then idle sessions get `-ERR [SYS/TEMP] Server shutting
   * down` and busy ones are cut. Nothing is deleted for a session that did not QUIT.
   * Resolves when every connection is closed.
   */
  close(options: { readonly graceMs?: number } = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.graceMs ?? this.#limits.closeTimeout);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #shutdown(graceMs: number): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#handshakes) socket.destroy();
    if (this.#sessions.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#allEnded(),
        new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
      for (const session of this.#sessions) session.shutdown();
      await this.#allEnded();
    }
    await stopped;
  }

  #allEnded(): Promise<void> {
    if (this.#sessions.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  readonly #onConnection = (socket: Socket): void => {
    socket.on('error', () => {}); // until a session takes the socket, errors only end it
    if (this.#closing !== undefined) {
      socket.destroy();
      return;
    }
    if (this.#sessions.size + this.#handshakes.size >= this.#limits.maxConnections) {
      // Plaintext can be told why; an implicit-TLS client would read the words as a bad handshake.
      if (this.#options.secure) socket.destroy();
      else socket.end('-ERR [SYS/TEMP] Too many connections, try again later\r\n');
      setTimeout(() => socket.destroy(), 2000).unref();
      return;
    }
    socket.setNoDelay(true);
    if (!this.#options.secure) {
      this.#startSession(socket, false);
      return;
    }
    const secured = new TLSSocket(socket, { isServer: true, secureContext: this.#host.secureContext! });
    this.#handshakes.add(secured);
    const abandon = (): void => {
      this.#handshakes.delete(secured);
      secured.destroy();
    };
    secured.on('error', abandon);
    secured.once('close', abandon);
    secured.setTimeout(this.#limits.idleTimeout, abandon);
    secured.once('secure', () => {
      this.#handshakes.delete(secured);
      secured.off('error', abandon);
      secured.off('close', abandon);
      secured.setTimeout(0);
      this.#startSession(secured, true);
    });
  };

  #startSession(socket: Socket, secure: boolean): void {
    const id = String(nextSessionId++);
    const info: SessionInfo = {
      id,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      secure,
      user: undefined,
      state: 'authorization',
    };
    const faults = this.#faultsFor(info);
    const session = new Session(this.#host, socket, secure, id, faults);
    this.#sessions.add(session);
    this.emit('connect', info);
    session.start();
  }

  #faultsFor(info: SessionInfo): FaultOptions {
    const faults = this.#options.faults;
    return (typeof faults === 'function' ? faults(info) : faults) ?? {};
  }

  #sessionEnded(session: Session, reason: string): void {
    if (!this.#sessions.delete(session)) return;
    this.emit('sessionEnd', session.info, {
      retrieved: session.retrieved,
      deleted: session.removed,
      bytesSent: session.bytesSent,
      durationMs: Date.now() - session.startedAt,
      reason,
    });
    if (this.#sessions.size === 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
  }
}
