import { CR, DOT, LF } from './constants.js';

export interface DecodeResult {
  /** Decoded body bytes from this chunk: a view of the input when nothing was unstuffed,
   * otherwise one copy for the whole chunk. `undefined` when the chunk held no body bytes. */
  readonly data: Buffer | undefined;
  /** Offset in the chunk just after the terminator (when `done`), else the chunk's length. */
  readonly end: number;
  /** The terminating dot line was found; bytes from `end` on belong to the next reply. */
  readonly done: boolean;
}

/** Bytes that start with "\n." mark the only places where a body line needs a look. */
const LF_DOT = Buffer.from('\n.');
const DOT_BYTE = Buffer.from('.');
const DOT_CR = Buffer.from('.\r');

export interface BodyDecoderOptions {
  /** Accept ".\n" as the terminator, for servers that send bare LF (default true). */
  readonly acceptBareLf?: boolean;
}

/**
 * Streaming decoder of a multi-line response body (RFC 1939 §3): finds the terminating
 * ".CRLF" line across any chunk split and removes the byte-stuffed leading dot. It jumps
 * between "\n." occurrences with Buffer.indexOf, so a body costs no work per ordinary line
 * and no string at all. Line endings stay as the server sent them.
 */
export class BodyDecoder {
  readonly #acceptBareLf: boolean;
  /** The previous chunk ended at the start of a line. */
  #atLineStart = true;
  /** A "." or ".\r" at a line start that ended the previous chunk, still undecided. */
  #carried: Buffer | undefined;

  constructor(options: BodyDecoderOptions = {}) {
    this.#acceptBareLf = options.acceptBareLf ?? true;
  }

  /** Decodes `chunk` from `offset`. Call again with the next chunk until `done`. */
  push(chunk: Buffer, offset = 0): DecodeResult {
    const carried = this.#carried;
    if (carried === undefined) return this.#scan(chunk, offset);
    // Rare path: a possible terminator was split across chunks. Rejoin the few carried
    // bytes with the new chunk and map the end offset back onto the caller's chunk.
    this.#carried = undefined;
    const merged = Buffer.concat([carried, chunk.subarray(offset)]);
    const result = this.#scan(merged, 0);
    return { data: result.data, done: result.done, end: result.end - carried.length + offset };
  }

  #scan(buf: Buffer, start: number): DecodeResult {
    const parts: Buffer[] = [];
    let segmentStart = start;
    let pos = start;
    let lineStart = this.#atLineStart;
    const length = buf.length;

    for (;;) {
      if (lineStart) {
        if (pos >= length) break;
        if (buf[pos] === DOT) {
          if (pos + 1 >= length) {
            if (pos > segmentStart) parts.push(buf.subarray(segmentStart, pos));
            this.#carried = DOT_BYTE;
            return this.#result(parts, length, false, true);
          }
          const next = buf[pos + 1];
          if (next === LF && this.#acceptBareLf) {
            if (pos > segmentStart) parts.push(buf.subarray(segmentStart, pos));
            return this.#finish(parts, pos + 2);
          }
          if (next === CR) {
            if (pos + 2 >= length) {
              if (pos > segmentStart) parts.push(buf.subarray(segmentStart, pos));
              this.#carried = DOT_CR;
              return this.#result(parts, length, false, true);
            }
            if (buf[pos + 2] === LF) {
              if (pos > segmentStart) parts.push(buf.subarray(segmentStart, pos));
              return this.#finish(parts, pos + 3);
            }
          } else if (next === DOT) {
            // Byte-stuffed line: drop the first dot, keep the rest of the line.
            if (pos > segmentStart) parts.push(buf.subarray(segmentStart, pos));
            segmentStart = pos + 1;
          }
        }
      }
      const found = buf.indexOf(LF_DOT, pos);
      if (found === -1) {
        lineStart = length > pos ? buf[length - 1] === LF : lineStart;
        break;
      }
      pos = found + 1;
      lineStart = true;
    }
    if (length > segmentStart) parts.push(buf.subarray(segmentStart, length));
    return this.#result(parts, length, false, lineStart);
  }

  #finish(parts: Buffer[], end: number): DecodeResult {
    return this.#result(parts, end, true, true);
  }

  #result(parts: Buffer[], end: number, done: boolean, lineStart: boolean): DecodeResult {
    this.#atLineStart = lineStart;
    const data = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : Buffer.concat(parts);
    return { data, end, done };
  }
}
