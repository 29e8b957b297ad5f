import { LF } from '../protocol/constants.js';
import { LineSplitter } from '../protocol/line-splitter.js';
import { type InputItem, TOO_LONG } from './command-line.js';

/**
 * Frames a session's input into command lines, with LineSplitter's length cap, and keeps them
 * in order until the session takes them: the whole of POP3 pipelining on the server side
 * (RFC 2449 §6.6) is answering this queue front to back.
 */
export class CommandInput {
  readonly #splitter: LineSplitter;
  readonly #queue: InputItem[] = [];
  readonly #onLine: () => void;
  #waiter: ((item: InputItem | undefined) => void) | undefined;
  /** Inside an overlong line: drop bytes up to its LF. */
  #discarding = false;
  #closed = false;

  /** @param onLine called when a line was queued (not when it went to a `next()` waiter). */
  constructor(maxLineLength: number, onLine: () => void) {
    this.#splitter = new LineSplitter(maxLineLength);
    this.#onLine = onLine;
  }

  /** Lines waiting to be answered. */
  get length(): number {
    return this.#queue.length;
  }

  /** Takes in one chunk from the socket. */
  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length && !this.#closed) {
      if (this.#discarding) {
        const lf = chunk.indexOf(LF, offset);
        if (lf === -1) return;
        this.#discarding = false;
        offset = lf + 1;
        continue;
      }
      let found: ReturnType<LineSplitter['next']>;
      try {
        found = this.#splitter.next(chunk, offset);
      } catch {
        // Over the cap (RFC 2449 §4): one marker, answered -ERR in its turn; the rest of the
        // line is skipped without being buffered, however long it goes on.
        this.#add(TOO_LONG);
        const lf = chunk.indexOf(LF, offset);
        if (lf === -1) this.#discarding = true;
        offset = lf === -1 ? chunk.length : lf + 1;
        continue;
      }
      if (found === undefined) return;
      offset = found.end;
      this.#add(found.line);
    }
  }

  /** The oldest queued line, if any. */
  shift(): InputItem | undefined {
    return this.#queue.shift();
  }

  /** The next line, waiting for it if need be (AUTH's continuation lines, RFC 5034 §4);
   * undefined once the connection is gone. */
  next(): Promise<InputItem | undefined> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Forgets everything buffered, complete lines and partial (after STLS, RFC 2595 §4). */
  clear(): void {
    this.#queue.length = 0;
    this.#splitter.reset();
    this.#discarding = false;
  }

  /** The session is over: drop the queue, ignore further input, release a waiting `next()`. */
  close(): void {
    this.#closed = true;
    this.clear();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.(undefined);
  }

  #add(item: InputItem): void {
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter(item);
      return;
    }
    this.#queue.push(item);
    this.#onLine();
  }
}
