import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SecureContext, TLSSocket } from 'node:tls';
import { isLoopbackAddress } from '../transport/loopback.js';
import { CommandInput } from './command-input.js';
import { type InputItem, parseCommandLine, TOO_LONG } from './command-line.js';
import type { Credentials } from './credentials.js';
import { HANDLERS } from './handlers/index.js';
import { Maildrop } from './maildrop.js';
import type {
  FaultOptions,
  Pop3ServerOptions,
  ResolvedLimits,
  SessionInfo,
  SessionState,
} from './options.js';
import { SessionOutput } from './output.js';
import { SessionReplies } from './replies.js';

/** What a session needs from its server. */
export interface SessionHost {
  readonly options: Pop3ServerOptions;
  readonly limits: ResolvedLimits;
  readonly credentials: Credentials;
  readonly hostname: string;
  readonly secureContext: SecureContext | undefined;
  sessionLogin(info: SessionInfo): void;
  sessionLoginFailed(info: SessionInfo, user: string | undefined): void;
  sessionEnd(session: Session, reason: string): void;
  sessionError(info: SessionInfo, error: Error): void;
}

/** Above this many queued commands, stop reading: a flood of pipelined lines costs bounded memory. */
const QUEUE_HIGH = 64;

/**
 * One connection: framing of command lines, the RFC 1939 state machine and dispatch to the
 * handlers map. Commands are answered strictly in order, one at a time, so pipelined commands
 * (RFC 2449 §6.6) need nothing special beyond coalescing the replies.
 */
export class Session extends SessionReplies {
  readonly id: string;
  readonly host: SessionHost;
  readonly faults: FaultOptions;
  /** The greeting's `<...@host>` msg-id for APOP (RFC 1939 §7), when APOP is possible. */
  readonly apopTimestamp: string | undefined;
  readonly startedAt = Date.now();
  state: SessionState = 'authorization';
  user: string | undefined;
  /** Set by USER, consumed by PASS. */
  pendingUser: string | undefined;
  maildrop: Maildrop | undefined;
  retrieved = 0;
  /** Messages QUIT removed. */
  removed = 0;
  #socket: Socket;
  #secure: boolean;
  readonly #input: CommandInput;
  #pumping = false;
  #busy = false;
  #authFailures = 0;
  #endReason: string | undefined;
  #mailboxReleased = false;

  /** Faults apply to this session's whole output, so the server picks them before creating it. */
  constructor(host: SessionHost, socket: Socket, secure: boolean, id: string, faults: FaultOptions) {
    super(new SessionOutput(socket, faults));
    this.id = id;
    this.host = host;
    this.faults = faults;
    this.#socket = socket;
    this.#secure = secure;
    this.#input = new CommandInput(host.limits.maxLineLength, () => this.#background(this.#pump()));
    this.apopTimestamp = host.credentials.apop ? makeTimestamp(host.hostname) : undefined;
  }

  get info(): SessionInfo {
    return {
      id: this.id,
      remoteAddress: this.#socket.remoteAddress ?? '',
      remotePort: this.#socket.remotePort ?? 0,
      secure: this.#secure,
      user: this.user,
      state: this.state,
    };
  }

  get secure(): boolean {
    return this.#secure;
  }

  /** A command is being answered (a shutdown then cuts rather than interrupts politely). */
  get busy(): boolean {
    return this.#busy;
  }

  /** USER/PASS and plaintext SASL are allowed here (RFC 2595 §2.3; loopback exempt by default). */
  get plaintextAllowed(): boolean {
    const allow = this.host.options.allowInsecureAuth ?? 'loopback';
    if (this.#secure || allow === true) return true;
    return allow === 'loopback' && isLoopbackAddress(this.#socket.remoteAddress);
  }

  get stlsAvailable(): boolean {
    return this.host.secureContext !== undefined && !this.#secure;
  }

  /** Sends the greeting and starts reading commands. */
  start(): void {
    this.#attach(this.#socket);
    const text = this.host.options.greeting ?? 'pop3kit ready.';
    this.#background(this.reply(`+OK ${text}${this.apopTimestamp ? ` ${this.apopTimestamp}` : ''}`));
  }

  /** The next line, for a command that reads more than one (AUTH, RFC 5034 §4); undefined
   * once the connection is gone. */
  readLine(): Promise<InputItem | undefined> {
    return this.#input.next();
  }

  /** After a successful login: take the mailbox or answer why not. */
  async login(user: string): Promise<void> {
    let mailbox: Awaited<ReturnType<Pop3ServerOptions['store']['openMailbox']>>;
    try {
      mailbox = await this.host.options.store.openMailbox(user);
    } catch (err) {
      if ((err as { code?: unknown }).code === 'POP3_MAILBOX_IN_USE') {
        return this.err('[IN-USE] Mailbox is locked by another POP3 session');
      }
      this.host.sessionError(this.info, err as Error);
      // RFC 3206 §4: SYS/PERM tells the client that trying again will not help.
      const permanent = (err as { code?: unknown; permanent?: unknown }).permanent === true;
      return this.err(`[SYS/${permanent ? 'PERM' : 'TEMP'}] Cannot open the mailbox`);
    }
    if (this.#endReason !== undefined) {
      await mailbox.close(); // the client left while the mailbox was opening
      return;
    }
    this.user = user;
    this.pendingUser = undefined;
    this.maildrop = new Maildrop(mailbox);
    this.state = 'transaction';
    this.host.sessionLogin(this.info);
    const { count, size } = this.maildrop.stat();
    await this.ok(`Logged in. ${count} messages (${size} octets)`);
  }

  /** A failed login: wait (slows password guessing), answer, and hang up after too many. */
  async loginFailed(user: string | undefined, text = '[AUTH] Authentication failed.'): Promise<void> {
    this.#authFailures++;
    this.pendingUser = undefined;
    this.host.sessionLoginFailed(this.info, user);
    await sleep(this.host.limits.authFailureDelay);
    await this.err(text);
    if (this.#authFailures >= this.host.limits.maxAuthFailures) this.end('auth-failures');
  }

  /** Lets go of the mailbox lock; QUIT does it before its reply so the client can log in again at once. */
  async releaseMailbox(): Promise<void> {
    if (this.maildrop === undefined || this.#mailboxReleased) return;
    this.#mailboxReleased = true;
    await this.maildrop.mailbox.close();
  }

  /**
   * STLS (RFC 2595 §4): the +OK has been written; start the handshake on the same socket.
   * Whatever the client sent after STLS arrived in plaintext and is thrown away, or an
   * attacker could inject commands that run after the upgrade (CVE-2011-0411).
   */
  async startTls(): Promise<void> {
    const plain = this.#socket;
    this.output.uncork();
    await new Promise<void>((resolve) => plain.write(Buffer.alloc(0), () => resolve()));
    this.#detach(plain);
    this.#input.clear();
    const secured = new TLSSocket(plain, { isServer: true, secureContext: this.host.secureContext! });
    this.#socket = secured;
    this.output.setSocket(secured);
    this.#attach(secured);
    await new Promise<void>((resolve) => {
      secured.once('secure', resolve);
      secured.once('close', resolve);
    });
    this.#secure = !secured.destroyed;
  }

  /** Ends the session after what is already written. */
  end(reason: string): void {
    this.#endReason ??= reason;
    this.#input.close();
    const socket = this.#socket;
    socket.end();
    // A peer that never closes its side must not hold the socket forever.
    setTimeout(() => socket.destroy(), 2000).unref();
  }

  /** Server shutdown: a polite -ERR when idle, a cut when in the middle of a reply. */
  shutdown(): void {
    this.#endReason ??= 'shutdown';
    if (this.#busy) {
      this.#socket.destroy();
      return;
    }
    // The write reaches the socket synchronously, so ending right after still sends it.
    this.#background(this.err('[SYS/TEMP] Server shutting down'));
    this.end('shutdown');
  }

  protected override abort(): void {
    this.destroy('error');
  }

  destroy(reason: string): void {
    this.#endReason ??= reason;
    this.#socket.destroy();
  }

  #attach(socket: Socket): void {
    socket.on('data', this.#onData);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.setTimeout(this.host.limits.idleTimeout, this.#onTimeout);
  }

  #detach(socket: Socket): void {
    socket.off('data', this.#onData);
    socket.off('error', this.#onError);
    socket.off('close', this.#onClose);
    socket.setTimeout(0);
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#input.push(chunk);
    // A flood of pipelined commands costs bounded memory: stop reading until they are answered.
    if (this.#input.length >= QUEUE_HIGH) this.#socket.pause();
  };

  /** Work nobody awaits: a failure there is a bug or a dead socket, never a crash of the server. */
  #background(work: Promise<void>): void {
    work.catch((err: Error) => {
      this.host.sessionError(this.info, err);
      this.destroy('error');
    });
  }

  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        const item = this.#input.shift();
        if (item === undefined || this.#endReason !== undefined) break;
        if (this.#socket.isPaused() && this.#input.length < QUEUE_HIGH / 4) this.#socket.resume();
        // More commands already waiting: send their replies together.
        if (this.#input.length > 0) this.output.cork();
        this.#busy = true;
        await this.#execute(item);
        this.#busy = false;
      }
    } finally {
      this.#busy = false;
      this.#pumping = false;
      this.output.uncork();
    }
  }

  async #execute(item: InputItem): Promise<void> {
    if (item === TOO_LONG) return this.err('Line too long');
    const parsed = parseCommandLine(item);
    if (!parsed.ok) return this.err('Unknown command');
    const { verb, args } = parsed.command;
    await this.#injectedDelay(verb);
    const injected = this.faults.failCommands?.[verb];
    if (injected !== undefined) return this.reply(`-ERR ${injected}`);
    const spec = HANDLERS.get(verb);
    if (spec === undefined) return this.err(`Unknown command: ${verb}`);
    if (!spec.states.includes(this.state)) {
      return this.err(`${verb} is not valid in the ${this.state.toUpperCase()} state`);
    }
    if (args.length < spec.args[0] || args.length > spec.args[1]) {
      return this.err(`Wrong number of arguments for ${verb}`);
    }
    try {
      await spec.run(this, parsed.command);
    } catch (err) {
      // A handler that failed before replying gets a -ERR; one that failed mid-reply
      // (a message that could not be read after +OK) has already cut the connection.
      this.host.sessionError(this.info, err as Error);
      if (!this.output.closed) await this.err('[SYS/TEMP] Internal server error');
    }
  }

  async #injectedDelay(verb: string): Promise<void> {
    const delay = this.faults.delayReply;
    const ms = typeof delay === 'number' ? delay : delay?.[verb];
    if (ms !== undefined && ms > 0) await sleep(ms);
  }

  readonly #onError = (err: Error): void => {
    this.#endReason ??= 'error';
    this.host.sessionError(this.info, err);
  };

  readonly #onTimeout = (): void => {
    // RFC 1939 §3: an autologout timer of at least 10 minutes; nothing is deleted.
    if (this.#busy) this.destroy('timeout');
    else {
      this.#background(this.err('Disconnected for inactivity'));
      this.end('timeout');
    }
  };

  readonly #onClose = (): void => {
    this.#endReason ??= 'closed';
    this.state = 'closed';
    this.#input.close();
    // A dropped connection never enters UPDATE: nothing is deleted (RFC 1939 §6).
    this.releaseMailbox()
      .catch((err: Error) => this.host.sessionError(this.info, err))
      .finally(() => this.host.sessionEnd(this, this.#endReason ?? 'closed'));
  };
}

/** A fresh `<pid.random.time@host>` msg-id, valid per RFC 5322 §3.6.4 as APOP requires. */
function makeTimestamp(hostname: string): string {
  const host = hostname.replace(/[^A-Za-z0-9.-]/g, '-') || 'localhost';
  return `<${process.pid}.${randomBytes(6).toString('hex')}.${Date.now()}@${host}>`;
}
