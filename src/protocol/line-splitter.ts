import { Pop3ProtocolError } from '../errors.js';
import { CR, DEFAULT_MAX_LINE_LENGTH, LF } from './constants.js';

export interface SplitLine {
  /** The line without its CRLF (or bare LF, which poplib also accepts). */
  readonly line: Buffer;
  /** Offset in the chunk just after the line's LF. */
  readonly end: number;
}

/**
 * Incremental framing of status and listing lines. It is pull-style so the reader can stop
 * after any line and hand the rest of the same chunk to the body decoder (pipelined replies
 * share chunks). A line split across chunks is joined once, when it completes.
 */
export class LineSplitter {
  readonly #maxLineLength: number;
  #partial: Buffer[] = [];
  #partialLength = 0;

  constructor(maxLineLength = DEFAULT_MAX_LINE_LENGTH) {
    this.#maxLineLength = maxLineLength;
  }

  /** True when part of a line is buffered. */
  get pending(): boolean {
    return this.#partialLength > 0;
  }

  /**
   * Scans `chunk` from `offset` for the next line. Returns it, or `undefined` when the chunk
   * ends first (the partial line is kept). Throws `Pop3ProtocolError` when a line exceeds the
   * cap, counting the bytes already buffered, so an endless line costs bounded memory.
   */
  next(chunk: Buffer, offset = 0): SplitLine | undefined {
    const lf = chunk.indexOf(LF, offset);
    if (lf === -1) {
      const rest = chunk.length - offset;
      if (this.#partialLength + rest > this.#maxLineLength) this.#tooLong();
      if (rest > 0) {
        // Copy: the caller may reuse or release the chunk before the line completes.
        this.#partial.push(Buffer.from(chunk.subarray(offset)));
        this.#partialLength += rest;
      }
      return undefined;
    }
    let line = chunk.subarray(offset, lf);
    if (this.#partialLength > 0) {
      line = Buffer.concat([...this.#partial, line]);
      this.#partial = [];
      this.#partialLength = 0;
    }
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > this.#maxLineLength) this.#tooLong();
    return { line, end: lf + 1 };
  }

  /** Forgets any partial line (after STLS, buffered plaintext must not survive). */
  reset(): void {
    this.#partial = [];
    this.#partialLength = 0;
  }

  #tooLong(): never {
    this.reset();
    throw new Pop3ProtocolError(`server line longer than ${this.#maxLineLength} octets`);
  }
}
