import type { RawReply } from '../command-specs.js';

/** A long response: the status line, the lines (endings stripped, dot-stuffing undone), and
 * their size in octets as poplib counts it. */
export type LongResponse = [resp: Buffer, lines: Buffer[], octets: number];

const LF = 0x0a;
const CR = 0x0d;

/**
 * The status line of a command Pop3Client runs through its own method (USER, PASS, APOP,
 * RPOP, UTF8, STLS, QUIT), which resolves to the text after "+OK " only: the line is rebuilt
 * from it. Exact for UTF-8 and ASCII text; other 8-bit bytes come back as U+FFFD.
 */
export function okLine(text: string): Buffer {
  return Buffer.from(text === '' ? '+OK' : `+OK ${text}`, 'utf8');
}

/** A -ERR line rebuilt from `Pop3ServerError.response` (the raw line is not kept). */
export function errLine(response: string): Buffer {
  return Buffer.from(response === '' ? '-ERR' : `-ERR ${response}`, 'utf8');
}

/**
 * poplib's `_getlongresp` over a reply from `command()`: the body split into lines the way
 * `_getline` strips them (CRLF; or a leading CR with the LF; or the LF). Its octets are every
 * line with its ending, one less per un-stuffed dot: exactly the decoded body's length.
 */
export function longResponse(reply: RawReply): LongResponse {
  const body = reply.body ?? Buffer.alloc(0);
  const lines: Buffer[] = [];
  let start = 0;
  while (start < body.length) {
    const lf = body.indexOf(LF, start);
    const end = lf === -1 ? body.length : lf + 1;
    const raw = body.subarray(start, end);
    let line: Buffer;
    if (lf === -1) line = raw;
    else if (raw.length >= 2 && raw[raw.length - 2] === CR) line = raw.subarray(0, raw.length - 2);
    else if (raw[0] === CR) line = raw.subarray(1, raw.length - 1);
    else line = raw.subarray(0, raw.length - 1);
    lines.push(line);
    start = end;
  }
  return [reply.line, lines, body.length];
}
