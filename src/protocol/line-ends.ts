/**
 * Line-end conversion between the wire and the disk. POP3 lines end in CRLF (RFC 1939 §3);
 * Maildir, mbox and MDAs on Unix keep bare LF. The server turns a Maildir's LF into CRLF
 * (and reports sizes as sent, as Dovecot's "virtual size" does); the retriever and the
 * server's bare-LF fault go the other way. Both work on chunks, without a string per line.
 */
import { CR, LF } from './constants.js';

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

/** CRLF -> LF across chunk splits; a lone CR is not a line end and stays. */
export class LfConverter {
  /** The previous chunk ended in CR: dropped if this one starts with LF, else given back. */
  #heldCr = false;

  push(chunk: Buffer): Buffer {
    let input = chunk;
    if (this.#heldCr) {
      this.#heldCr = false;
      if (input.length === 0 || input[0] !== LF) input = Buffer.concat([CR_BYTE, input]);
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
    const rest = this.#heldCr ? CR_BYTE : Buffer.alloc(0);
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
