import { DOT, LF } from './constants.js';

/** Bytes that start with "\n." are the only places inside a chunk where a dot is stuffed. */
const LF_DOT = Buffer.from('\n.');
const DOT_BYTE = Buffer.from('.');
/** RFC 1939 §3: the terminating line, when the body already ended at a line start. */
const TERMINATOR = Buffer.from('.\r\n');
/** The body's last line had no line break: end it first, so the dot starts a line of its own. */
const EOL_TERMINATOR = Buffer.from('\r\n.\r\n');

/**
 * Streaming encoder of a multi-line response body (RFC 1939 §3), the server-side inverse of
 * `BodyDecoder`: every line that starts with "." gets one more "." in front, across any chunk
 * split, and `end()` gives the terminating ".CRLF" line. Nothing else is touched: line endings
 * go out as they came in, so callers that need CRLF normalise before stuffing.
 *
 * Like the decoder it jumps between "\n." occurrences with Buffer.indexOf, and hands back the
 * input chunk itself when it holds nothing to stuff.
 */
export class DotStuffer {
  /** The previous chunk ended at a line start (after LF), or nothing was pushed yet. */
  #atLineStart = true;

  /** Stuffs one chunk. The result is `chunk` itself when no line in it starts with ".". */
  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const parts: Buffer[] = [];
    let segmentStart = 0;
    if (this.#atLineStart && chunk[0] === DOT) {
      parts.push(DOT_BYTE);
    }
    let from = 0;
    for (;;) {
      const found = chunk.indexOf(LF_DOT, from);
      if (found === -1) break;
      // Keep everything up to and including the LF, then add the stuffed dot; the line's own
      // dot starts the next segment.
      parts.push(chunk.subarray(segmentStart, found + 1), DOT_BYTE);
      segmentStart = found + 1;
      from = found + 1;
    }
    this.#atLineStart = chunk[chunk.length - 1] === LF;
    if (parts.length === 0) return chunk;
    parts.push(chunk.subarray(segmentStart));
    return Buffer.concat(parts);
  }

  /**
   * The terminating line. A body that does not end with a line break gets a CRLF first
   * (RFC 1939 §3: the terminator is a line of its own); an empty body is just ".CRLF".
   * The stuffer is ready for a new body afterwards.
   */
  end(): Buffer {
    const terminator = this.#atLineStart ? TERMINATOR : EOL_TERMINATOR;
    this.#atLineStart = true;
    return terminator;
  }
}

/** Stuffs a whole body held in memory and appends the terminator. */
export function dotStuff(body: Buffer): Buffer {
  const stuffer = new DotStuffer();
  return Buffer.concat([stuffer.push(body), stuffer.end()]);
}
