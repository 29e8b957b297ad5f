/**
 * Line ends on the way out. Maildir keeps messages with bare LF (the Unix convention), but
 * POP3 lines end in CRLF (RFC 1939 §3), so the server turns each bare LF into CRLF and reports
 * sizes of what it sends, as Dovecot does with its "virtual size".
 */

const LF = 0x0a;
const CR = 0x0d;
const CR_BYTE = Buffer.from('\r');

/** Octets of `message` on the wire: its length plus one for every LF without a CR before it. */
export function wireSize(message: Buffer): number {
  let size = message.length;
  let from = 0;
  for (;;) {
    const lf = message.indexOf(LF, from);
    if (lf === -1) return size;
    if (lf === 0 || message[lf - 1] !== CR) size++;
    from = lf + 1;
  }
}

/** Streaming bare-LF -> CRLF conversion; CRLF and lone CR pass through unchanged. */
export class CrlfNormaliser {
  /** The previous chunk ended with CR, so an LF at the start of this one is already CRLF. */
  #lastWasCr = false;

  /** Converts one chunk; returns the chunk itself when it holds no bare LF. */
  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const parts: Buffer[] = [];
    let segmentStart = 0;
    let from = 0;
    for (;;) {
      const lf = chunk.indexOf(LF, from);
      if (lf === -1) break;
      const crBefore = lf === 0 ? this.#lastWasCr : chunk[lf - 1] === CR;
      if (!crBefore) {
        parts.push(chunk.subarray(segmentStart, lf), CR_BYTE);
        segmentStart = lf;
      }
      from = lf + 1;
    }
    this.#lastWasCr = chunk[chunk.length - 1] === CR;
    if (parts.length === 0) return chunk;
    parts.push(chunk.subarray(segmentStart));
    return Buffer.concat(parts);
  }
}

/** CRLF -> LF, for the "bare LF" fault that imitates broken Unix servers. */
export class BareLfConverter {
  /** A CR that ended the previous chunk, held back until we know whether LF follows. */
  #heldCr = false;

  push(chunk: Buffer): Buffer {
    const input = this.#heldCr ? Buffer.concat([CR_BYTE, chunk]) : chunk;
    this.#heldCr = input.length > 0 && input[input.length - 1] === CR;
    const end = this.#heldCr ? input.length - 1 : input.length;
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
    parts.push(input.subarray(segmentStart, end));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
