/**
 * The mboxrd format: each message starts with a "From sender asctime" line; a body line that
 * matches /^>*From / gets one more '>' on the way in and loses one on the way out, so the
 * transformation is reversible (unlike mboxo, which cannot tell ">From " it made from one the
 * sender wrote). Messages are LF-terminated and followed by one blank line.
 */

import { headerEnd } from './headers.js';

const LF = 0x0a;
const GT = 0x3e;
const FROM_ = Buffer.from('From ');
const GT_BYTE = Buffer.of(GT);

/** Whether the line at `start` is /^>*From /: true, false, or undefined when the chunk ends
 * before that is known. */
function isFromLine(input: Buffer, start: number): boolean | undefined {
  let i = start;
  while (i < input.length && input[i] === GT) i++;
  for (let k = 0; k < FROM_.length; k++) {
    if (i + k >= input.length) return undefined;
    if (input[i + k] !== FROM_[k]) return false;
  }
  return true;
}

/** Streaming mboxrd quoting of an LF-terminated message. */
export class MboxrdQuoter {
  /** The start of a line that might still turn out to be a From line. */
  #carry: Buffer | undefined;
  #atLineStart = true;

  push(chunk: Buffer): Buffer {
    const input = this.#carry ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = undefined;
    const parts: Buffer[] = [];
    let segmentStart = 0;
    let lineStart = 0;
    if (!this.#atLineStart) {
      const lf = input.indexOf(LF);
      if (lf === -1) return input;
      lineStart = lf + 1;
    }
    while (lineStart < input.length) {
      const from = isFromLine(input, lineStart);
      if (from === undefined) {
        parts.push(input.subarray(segmentStart, lineStart));
        this.#carry = Buffer.from(input.subarray(lineStart));
        this.#atLineStart = true;
        return Buffer.concat(parts);
      }
      if (from) {
        parts.push(input.subarray(segmentStart, lineStart), GT_BYTE);
        segmentStart = lineStart;
      }
      const lf = input.indexOf(LF, lineStart);
      if (lf === -1) {
        this.#atLineStart = false;
        break;
      }
      lineStart = lf + 1;
    }
    if (lineStart >= input.length) this.#atLineStart = true;
    if (parts.length === 0) return input;
    parts.push(input.subarray(segmentStart));
    return Buffer.concat(parts);
  }

  /** A held line start at the very end ("From" without the space) is not a From line. */
  end(): Buffer {
    const rest = this.#carry ?? Buffer.alloc(0);
    this.#carry = undefined;
    return rest;
  }
}

/** mboxrd quoting of a whole message. */
export function quoteMboxrd(message: Buffer): Buffer {
  const quoter = new MboxrdQuoter();
  return Buffer.concat([quoter.push(message), quoter.end()]);
}

/** Undoes quoteMboxrd: one '>' less on every /^>+From / line. */
export function unquoteMboxrd(quoted: Buffer): Buffer {
  const parts: Buffer[] = [];
  let segmentStart = 0;
  for (let lineStart = 0; lineStart < quoted.length; ) {
    if (quoted[lineStart] === GT && isFromLine(quoted, lineStart) === true) {
      parts.push(quoted.subarray(segmentStart, lineStart));
      segmentStart = lineStart + 1;
    }
    const lf = quoted.indexOf(LF, lineStart);
    if (lf === -1) break;
    lineStart = lf + 1;
  }
  parts.push(quoted.subarray(segmentStart));
  return Buffer.concat(parts);
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The From_ line, LF included: the envelope sender from Return-Path (MAILER-DAEMON when
 * absent or null) and the delivery time in asctime(3) form, UTC. */
export function fromLine(headers: Buffer, when: Date): Buffer {
  const match = /^Return-Path:[ \t]*<?([^\s<>]*)>?/im.exec(headers.toString('latin1'));
  const sender = match?.[1] ? match[1] : 'MAILER-DAEMON';
  const pad2 = (n: number) => String(n).padStart(2, '0');
  const date =
    `${DAYS[when.getUTCDay()]} ${MONTHS[when.getUTCMonth()]} ${String(when.getUTCDate()).padStart(2, ' ')} ` +
    `${pad2(when.getUTCHours())}:${pad2(when.getUTCMinutes())}:${pad2(when.getUTCSeconds())} ${when.getUTCFullYear()}`;
  return Buffer.from(`From ${sender} ${date}\n`, 'latin1');
}

/** The header block of a message (up to the blank line): enough for fromLine(). */
export function headerBlock(message: Buffer): Buffer {
  return message.subarray(0, headerEnd(message));
}

/** One whole mboxrd entry for an LF message: From_ line, quoted message, LF if the message
 * lacks a final one, and the blank separator line. */
export function mboxEntry(lfMessage: Buffer, when: Date): Buffer {
  const parts = [fromLine(headerBlock(lfMessage), when), quoteMboxrd(lfMessage)];
  if (lfMessage.length > 0 && lfMessage[lfMessage.length - 1] !== LF) parts.push(Buffer.of(LF));
  parts.push(Buffer.of(LF));
  return Buffer.concat(parts);
}

/**
 * Splits an mboxrd file back into messages (From_ line dropped, quoting undone, the blank
 * separator line removed). For tests and tools; reads the whole file.
 */
export function parseMboxrd(file: Buffer): Buffer[] {
  const starts: number[] = [];
  for (let lineStart = 0; lineStart < file.length; ) {
    if (file.subarray(lineStart, lineStart + FROM_.length).equals(FROM_)) starts.push(lineStart);
    const lf = file.indexOf(LF, lineStart);
    if (lf === -1) break;
    lineStart = lf + 1;
  }
  return starts.map((start, i) => {
    const end = starts[i + 1] ?? file.length;
    const bodyStart = file.indexOf(LF, start) + 1;
    let body = file.subarray(bodyStart, end);
    if (body.length > 0 && body[body.length - 1] === LF) body = body.subarray(0, body.length - 1);
    return unquoteMboxrd(body);
  });
}
