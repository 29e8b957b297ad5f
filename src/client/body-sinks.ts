import { Readable } from 'node:stream';
import { Pop3ProtocolError } from '../errors.js';
import { LF } from '../protocol/constants.js';

/**
 * Where the decoded bytes of a multi-line reply go. `write` returning false asks the reader
 * to pause the socket until `onDrain` is called (backpressure from a slow consumer).
 */
export interface BodySink {
  write(data: Buffer): boolean;
  end(): void;
  fail(error: Error): void;
  onDrain?: (() => void) | undefined;
}

/** Collects a body into one Buffer, with a size cap (listings, buffered RETR/TOP) and, for
 * listings, a cap on each line: a LIST line is as bounded as a status line. */
export class CollectingSink implements BodySink {
  readonly #parts: Buffer[] = [];
  #length = 0;
  readonly #limit: number;
  readonly #what: string;
  readonly #maxLineLength: number | undefined;
  #lineLength = 0;

  constructor(limit: number, what: string, maxLineLength?: number) {
    this.#limit = limit;
    this.#what = what;
    this.#maxLineLength = maxLineLength;
  }

  write(data: Buffer): boolean {
    this.#length += data.length;
    if (this.#length > this.#limit) {
      throw new Pop3ProtocolError(`${this.#what} reply larger than the limit of ${this.#limit} octets`);
    }
    if (this.#maxLineLength !== undefined) this.#checkLines(data, this.#maxLineLength);
    // Keeping views is safe: Node hands each socket read a buffer of its own.
    this.#parts.push(data);
    return true;
  }

  end(): void {}
  fail(): void {}

  #checkLines(data: Buffer, max: number): void {
    for (let from = 0; ; ) {
      const lf = data.indexOf(LF, from);
      this.#lineLength += (lf === -1 ? data.length : lf) - from;
      // +1: the CR of a CRLF line end is counted with the line.
      if (this.#lineLength > max + 1) {
        throw new Pop3ProtocolError(`${this.#what} line longer than ${max} octets`);
      }
      if (lf === -1) return;
      this.#lineLength = 0;
      from = lf + 1;
    }
  }

  get body(): Buffer {
    return this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#length);
  }
}

/**
 * A message body as a Readable with real backpressure: when the consumer falls behind,
 * `write` returns false and the reader pauses the socket. A stream destroyed early keeps
 * accepting (and dropping) the rest of the body so the session stays in step.
 */
export class StreamSink extends Readable implements BodySink {
  onDrain: (() => void) | undefined;
  #waiting = false;
  readonly #limit: number;
  #length = 0;

  constructor(limit: number, highWaterMark?: number) {
    super(highWaterMark === undefined ? {} : { highWaterMark });
    this.#limit = limit;
  }

  override _read(): void {
    if (this.#waiting) {
      this.#waiting = false;
      this.onDrain?.();
    }
  }

  write(data: Buffer): boolean {
    this.#length += data.length;
    if (this.#length > this.#limit) {
      throw new Pop3ProtocolError(`message larger than the limit of ${this.#limit} octets`);
    }
    if (this.destroyed) return true;
    if (this.push(data)) return true;
    this.#waiting = true;
    return false;
  }

  end(): void {
    if (!this.destroyed) this.push(null);
  }

  fail(error: Error): void {
    if (!this.destroyed) this.destroy(error);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // A consumer that gave up must not leave the socket paused: resume so the rest drains.
    if (this.#waiting) {
      this.#waiting = false;
      this.onDrain?.();
    }
    callback(error);
  }
}
