import type net from 'node:net';
import {
  Pop3ConnectionError,
  Pop3Error,
  Pop3ProtocolError,
  Pop3ServerError,
  Pop3TimeoutError,
} from '../errors.js';
import { BodyDecoder } from '../protocol/body-decoder.js';
import { LineSplitter } from '../protocol/line-splitter.js';
import { parseStatusLine, type StatusLine } from '../protocol/status.js';
import type { BodySink } from './body-sinks.js';
import type { DebugLog } from './debug-log.js';

export interface CommandSpec<T = Reply> {
  /** The verb, for errors and logs; never the arguments, which may be secrets. */
  readonly verb: string;
  /** Encoded command line; undefined for the server's greeting, which nobody asked for. */
  readonly line: Buffer | undefined;
  /** What debug output shows for the line (arguments redacted where secret). */
  readonly logLine?: string;
  /** A body follows a "+OK" (RETR, TOP, LIST and UIDL without argument, CAPA). */
  readonly multiline?: boolean;
  /** Listings log their lines themselves at debug level 2, not octet counts. */
  readonly logsOwnBody?: boolean;
  /** Created once "+OK" arrives, so a -ERR costs nothing. */
  readonly sink?: () => BodySink;
  /** Resolve at the status line; the body keeps flowing into the sink (retrStream). */
  readonly resolveOnStatus?: boolean;
  /** Waits for an empty pipe and lets nothing be written until it completes (STLS, AUTH,
   * UTF8, QUIT: commands that change the session for everything after them). */
  readonly barrier?: boolean;
  /** Keep the gate closed after "+OK" until `release()` (STLS: until the handshake ends). */
  readonly holdAfterOk?: boolean;
  /** Runs synchronously on "+OK" before another byte is read (STLS stops reading here). */
  readonly onOk?: () => void;
  /** Answers a SASL "+ " continuation (RFC 5034 §4) with the next line to write. */
  readonly onContinuation?: (text: string) => Buffer;
  /** Maps -ERR to a more specific error (Pop3AuthError for logins). */
  readonly errorFor?: (text: string, code: string | undefined) => Error;
  /**
   * Shapes the reply into the caller's value inside the reader, so every command's promise
   * settles in reply order whatever its shape, and a malformed reply (a bad LIST number)
   * fails the connection like any other protocol error.
   */
  readonly result?: (reply: Reply) => T;
}

export interface Reply {
  /** The status line's text after "+OK ". */
  readonly text: string;
  /** The raw status line without CRLF (a copy), for callers that need exact bytes. */
  readonly line: Buffer;
  /** The collected body, for commands whose sink collects. */
  readonly sink: BodySink | undefined;
}

interface Pending {
  readonly spec: CommandSpec<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  sink?: BodySink;
  decoder?: BodyDecoder;
  resolved?: boolean;
  /** The "+OK" line, kept until a multi-line body completes. */
  status?: { readonly text: string; readonly line: Buffer };
}

export interface QueueOptions {
  readonly maxLineLength: number;
  readonly idleTimeout: number;
  /** Most commands written ahead of their replies when pipelining (RFC 2449 §6.6). */
  readonly maxInFlight: number;
  readonly log: DebugLog;
}

/**
 * FIFO of commands and the reader of their replies. POP3 has no tags: the reply in front
 * belongs to the oldest written command, so there are two lists, "to write" and "awaiting
 * reply". With PIPELINING, commands issued in one tick go out in one write; without it, the
 * next is written when the previous reply is complete. Callers write the same code either way.
 */
export class CommandQueue {
  readonly #options: QueueOptions;
  readonly #splitter: LineSplitter;
  #socket: net.Socket;
  #toWrite: Pending[] = [];
  #awaiting: Pending[] = [];
  #flushScheduled = false;
  #gateClosed = false;
  #pausedForConsumer = false;
  #failure: Error | undefined;
  #expectingClose = false;
  #detached = false;
  /** Set by the client once CAPA lists PIPELINING. */
  pipelining = false;
  /** Called once, when the queue fails or the connection ends. */
  onClose: ((error: Error | undefined) => void) | undefined;

  constructor(socket: net.Socket, options: QueueOptions) {
    this.#options = options;
    this.#splitter = new LineSplitter(options.maxLineLength);
    this.#socket = socket;
    this.#attach(socket);
  }

  get closed(): boolean {
    return this.#failure !== undefined;
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  get socket(): net.Socket {
    return this.#socket;
  }

  /** Queues a command; the promise settles with its (shaped) reply, in order. */
  send<T = Reply>(spec: CommandSpec<T>, first = false): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { spec, resolve: resolve as (value: unknown) => void, reject };
      if (first) this.#toWrite.unshift(entry);
      else this.#toWrite.push(entry);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // Commands issued in the same tick are written together (one socket.write).
        queueMicrotask(() => this.#flush());
      }
    });
  }

  /** Number of commands written and not yet answered. */
  get inFlight(): number {
    return this.#awaiting.length;
  }

  /** Reopens the gate after a `holdAfterOk` command, optionally on a new socket (STLS). */
  release(socket?: net.Socket): void {
    if (socket && socket !== this.#socket) {
      this.#socket = socket;
      this.#splitter.reset();
      this.#detached = false;
      this.#attach(socket);
    }
    this.#gateClosed = false;
    this.#flush();
  }

  /** Stops reading the current socket (before an STLS handshake takes it over). */
  detach(): void {
    this.#detached = true;
    this.#socket.removeListener('data', this.#onData);
    this.#socket.removeListener('close', this.#onSocketClose);
    this.#socket.removeListener('error', this.#onSocketError);
    this.#socket.removeListener('timeout', this.#onTimeout);
    this.#socket.setTimeout(0);
    this.#socket.pause();
  }

  /** The server is about to close the connection (after QUIT): not an error. */
  expectClose(): void {
    this.#expectingClose = true;
  }

  /** Tears the connection down, rejecting every pending command with the same error. */
  fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#socket.destroy();
    const pending = [...this.#awaiting, ...this.#toWrite];
    this.#awaiting = [];
    this.#toWrite = [];
    for (const entry of pending) {
      if (entry.resolved) entry.sink?.fail(error);
      else entry.reject(error);
    }
    this.onClose?.(error);
  }

  #attach(socket: net.Socket): void {
    socket.on('data', this.#onData);
    socket.on('close', this.#onSocketClose);
    socket.on('error', this.#onSocketError);
    socket.on('timeout', this.#onTimeout);
    socket.resume();
    this.#updateTimeout();
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#failure || this.#gateClosed) return;
    const batch: Buffer[] = [];
    while (this.#toWrite.length > 0) {
      const next = this.#toWrite[0]!;
      if (this.#awaiting.length > 0) {
        if (!this.pipelining || next.spec.barrier) break;
        if (this.#awaiting.length >= this.#options.maxInFlight) break;
      }
      this.#toWrite.shift();
      this.#awaiting.push(next);
      if (next.spec.line) {
        batch.push(next.spec.line);
        this.#options.log.command(next.spec.logLine ?? next.spec.line.toString('utf8').trimEnd());
      }
      if (next.spec.barrier) {
        this.#gateClosed = true;
        break;
      }
    }
    if (batch.length > 0) this.#socket.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
    this.#updateTimeout();
  }

  /** The idle timer runs only while a reply is owed and the consumer is not the one waiting. */
  #updateTimeout(): void {
    const waiting = this.#awaiting.length > 0 && !this.#pausedForConsumer;
    this.#socket.setTimeout(waiting ? this.#options.idleTimeout : 0);
  }

  readonly #onData = (chunk: Buffer): void => {
    try {
      this.#read(chunk);
    } catch (error) {
      this.fail(error instanceof Pop3Error ? error : new Pop3ProtocolError(String(error), { cause: error }));
    }
  };

  #read(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.#failure) {
      const head = this.#awaiting[0];
      if (!head) throw new Pop3ProtocolError('server sent data nobody asked for');
      if (head.decoder) {
        const result = head.decoder.push(chunk, offset);
        offset = result.end;
        if (result.data) {
          if (!head.spec.logsOwnBody) this.#options.log.body(result.data.length);
          if (!head.sink!.write(result.data)) this.#pauseForConsumer(head.sink!);
        }
        if (result.done) {
          head.sink!.end();
          this.#complete(head);
        }
        continue;
      }
      const found = this.#splitter.next(chunk, offset);
      if (!found) return;
      offset = found.end;
      this.#options.log.reply(found.line);
      this.#onStatus(head, parseStatusLine(found.line), found.line);
      if (this.#detached) {
        // STLS detached the plain socket: the rest of this chunk is injected plaintext.
        if (offset < chunk.length) {
          this.#options.log.note(
            `discarded ${chunk.length - offset} octets sent in plaintext after +OK to STLS`,
          );
        }
        return;
      }
    }
  }

  #onStatus(head: Pending, status: StatusLine, line: Buffer): void {
    const { spec } = head;
    if (status.kind === '+') {
      if (!spec.onContinuation)
        throw new Pop3ProtocolError(`unexpected "+" continuation in reply to ${spec.verb}`);
      const answer = spec.onContinuation(status.text);
      this.#socket.write(answer);
      this.#options.log.command('****');
      return;
    }
    if (status.kind === '-ERR') {
      this.#awaiting.shift();
      head.reject(
        spec.errorFor?.(status.text, status.code) ?? new Pop3ServerError(spec.verb, status.text, status.code),
      );
      this.#afterReply(spec, false);
      return;
    }
    spec.onOk?.();
    head.status = { text: status.text, line: Buffer.from(line) };
    if (spec.multiline) {
      head.sink = spec.sink?.() ?? NULL_SINK;
      head.decoder = new BodyDecoder();
      if (spec.resolveOnStatus) {
        head.resolved = true;
        head.resolve(this.#shape(head));
      }
      return;
    }
    this.#complete(head);
  }

  #complete(head: Pending): void {
    // Shaped before leaving the list: if shaping throws, fail() still rejects this command.
    const value = head.resolved ? undefined : this.#shape(head);
    this.#awaiting.shift();
    if (!head.resolved) head.resolve(value);
    this.#afterReply(head.spec, true);
  }

  #afterReply(spec: CommandSpec<unknown>, ok: boolean): void {
    // A held barrier stays closed until release(); after -ERR nothing changed, so it opens.
    if (spec.barrier && !(ok && spec.holdAfterOk)) this.#gateClosed = false;
    // With a full pipeline, refill in batches once half of it has drained (mpop refills
    // likewise): one write per reply would cost a syscall and a TCP segment per message.
    if (this.pipelining && this.#awaiting.length > this.#options.maxInFlight >> 1) return;
    this.#flush();
  }

  #shape(head: Pending): unknown {
    const reply: Reply = { ...head.status!, sink: head.sink };
    return head.spec.result ? head.spec.result(reply) : reply;
  }

  #pauseForConsumer(sink: BodySink): void {
    this.#pausedForConsumer = true;
    this.#socket.pause();
    this.#updateTimeout();
    sink.onDrain = () => {
      sink.onDrain = undefined;
      this.#pausedForConsumer = false;
      if (!this.#failure) this.#socket.resume();
      this.#updateTimeout();
    };
  }

  readonly #onSocketError = (error: Error): void => {
    this.fail(new Pop3ConnectionError(`connection error: ${error.message}`, { cause: error }));
  };

  readonly #onSocketClose = (): void => {
    if (this.#failure) return;
    const midReply = this.#awaiting.length > 0 || this.#toWrite.length > 0;
    if (!midReply && this.#expectingClose) {
      this.#failure = new Pop3ConnectionError('connection closed');
      this.onClose?.(undefined);
      return;
    }
    const during = this.#awaiting[0]?.spec.verb ?? 'idle';
    this.fail(
      new Pop3ConnectionError(
        `connection closed by server${midReply ? ` while waiting for ${during} reply` : ''}`,
      ),
    );
  };

  readonly #onTimeout = (): void => {
    const greeting = this.#awaiting[0]?.spec.line === undefined;
    this.fail(new Pop3TimeoutError(greeting ? 'greeting' : 'idle', this.#options.idleTimeout));
  };
}

const NULL_SINK: BodySink = { write: () => true, end: () => {}, fail: () => {} };
