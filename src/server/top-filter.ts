const LF = 0x0a;
const CR = 0x0d;

export interface TopChunk {
  /** The part of the chunk to send (a view). */
  readonly data: Buffer;
  /** Everything TOP asked for has been passed; stop reading the message. */
  readonly done: boolean;
}

/**
 * Streaming cut for `TOP msg n` (RFC 1939 §7): the header lines, the empty line that ends
 * them, then `n` body lines. A message without an empty line is all header and goes out
 * whole. Works on chunks so a TOP of a huge message reads only as far as it needs.
 */
export class TopFilter {
  #remaining: number;
  #inHeaders = true;
  #atLineStart = true;
  /** The current line so far is a lone CR: an LF next makes it the empty line. */
  #crOnly = false;

  constructor(bodyLines: number) {
    this.#remaining = bodyLines;
  }

  push(chunk: Buffer): TopChunk {
    let pos = 0;
    while (this.#inHeaders) {
      if (pos >= chunk.length) return { data: chunk, done: false };
      const end = this.#scanHeaderLine(chunk, pos);
      if (end === -1) return { data: chunk, done: false };
      pos = end;
    }
    // Body lines: count LFs from where the headers ended.
    if (this.#remaining === 0) return { data: chunk.subarray(0, pos), done: true };
    for (;;) {
      const lf = chunk.indexOf(LF, pos);
      if (lf === -1) return { data: chunk, done: false };
      pos = lf + 1;
      if (--this.#remaining === 0) return { data: chunk.subarray(0, pos), done: true };
    }
  }

  /** Looks at one header line from `pos`; returns where the next line starts, or -1 when the
   * chunk ends inside this line. Clears `#inHeaders` at the empty line. */
  #scanHeaderLine(chunk: Buffer, pos: number): number {
    let from = pos;
    if (this.#atLineStart || this.#crOnly) {
      const byte = chunk[pos];
      if (byte === LF) {
        this.#inHeaders = false;
        this.#crOnly = false;
        return pos + 1;
      }
      if (byte === CR && this.#atLineStart) {
        this.#atLineStart = false;
        this.#crOnly = true;
        return pos + 1 >= chunk.length ? -1 : this.#scanHeaderLine(chunk, pos + 1);
      }
      this.#atLineStart = false;
      this.#crOnly = false;
      from = pos;
    }
    const lf = chunk.indexOf(LF, from);
    if (lf === -1) return -1;
    this.#atLineStart = true;
    return lf + 1;
  }
}
