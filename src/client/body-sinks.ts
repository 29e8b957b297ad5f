import { Readable } from 'node:stream';
import { Pop3ProtocolError } from '../errors.js';

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

/** Collects a body into one Buffer, with a size cap (listings, buffered RETR/TOP). */
export class CollectingSink implements BodySink {
  readonly #parts: Buffer[] = [];
  #length = 0;
  readonly #limit: number;
  readonly #what: string;

  constructor(limit: number, what: string) {
    this.#limit = limit;
    this.#what = what;
  }

  write(data: Buffer): boolean {
    this.#length += data.length;
    if (this.#length > this.#limit) {
      throw new Pop3ProtocolError(`${this.#what} reply larger than the limit of ${this.#limit} octets`);
    }
    // Keeping views is safe: Node hands each socket read a buffer of its own.
    this.#parts.push(data);
    return true;
  }

  end(): void {}
  fail(): void {}

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
