/**
 * CRLF -> LF, for what lands on a Unix disk: POP3 sends CRLF (RFC 1939 §3), while Maildir,
 * mbox and MDAs (procmail, maildrop) expect LF. A lone CR is not a line end and stays.
 * Works on chunks without turning lines into strings (STYLE §4).
 */

const CR = 0x0d;
const LF = 0x0a;

export class LfConverter {
  /** The previous chunk ended in CR: dropped if this one starts with LF, else given back. */
  #heldCr = false;

  push(chunk: Buffer): Buffer {
    let input = chunk;
    if (this.#heldCr) {
      this.#heldCr = false;
      if (input.length === 0 || input[0] !== LF) input = Buffer.concat([Buffer.of(CR), input]);
    }
    if (input.length > 0 && input[input.length - 1] === CR) {
      this.#heldCr = true;
      input = input.subarray(0, input.length - 1);
    }
    const parts: Buffer[] = [];
    let segmentStart = 0;
    let from = 0;
    for (;;) {
      const lf = input.indexOf(LF, from);
      if (lf === -1) break;
      if (lf > 0 && input[lf - 1] === CR) {
        parts.push(input.subarray(segmentStart, lf - 1));
        segmentStart = lf;
      }
      from = lf + 1;
    }
    if (parts.length === 0) return input;
    parts.push(input.subarray(segmentStart));
    return Buffer.concat(parts);
  }

  /** What is still held back (a final lone CR). */
  end(): Buffer {
    const rest = this.#heldCr ? Buffer.of(CR) : Buffer.alloc(0);
    this.#heldCr = false;
    return rest;
  }
}

/** The whole message with CRLF turned into LF. */
export function toLf(message: Buffer): Buffer {
  const converter = new LfConverter();
  const body = converter.push(message);
  const rest = converter.end();
  return rest.length === 0 ? body : Buffer.concat([body, rest]);
}
