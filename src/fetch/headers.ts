/**
 * Just enough RFC 5322 header parsing for filter rules and the no-UIDL fallback: the header
 * block of a TOP n 0 reply, unfolded (§2.2.3), with RFC 2047 encoded-words decoded.
 */

export interface Header {
  /** As written (compare case-insensitively). */
  readonly name: string;
  /** Unfolded and decoded; leading and trailing white space removed. */
  readonly value: string;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 when it is valid (RFC 6532 allows it in headers), else Latin-1, which never fails. */
function decodeBytes(bytes: Uint8Array): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return Buffer.from(bytes).toString('latin1');
  }
}

function decodeCharset(charset: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes); // drop RFC 2231 language
  } catch {
    return decodeBytes(bytes);
  }
}

const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;

function decodeWord(charset: string, encoding: string, text: string): string {
  if (encoding.toUpperCase() === 'B') return decodeCharset(charset, Buffer.from(text, 'base64'));
  // Q: '_' is a space, =XX a byte (RFC 2047 §4.2).
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return decodeCharset(charset, Uint8Array.from(bytes));
}

/** Decodes RFC 2047 encoded-words; white space between two of them is dropped (§6.2). */
export function decodeEncodedWords(value: string): string {
  const joined = value.replace(/(\?=)[ \t]+(?==\?[^?\s]+\?[BbQq]\?)/g, '$1');
  return joined.replace(ENCODED_WORD, (_all, charset: string, encoding: string, text: string) =>
    decodeWord(charset, encoding, text),
  );
}

/** The headers of a message or of a TOP n 0 reply, in order. CRLF or LF line ends. */
export function parseHeaders(block: Buffer): Header[] {
  const end = headerEnd(block);
  const text = decodeBytes(block.subarray(0, end));
  const headers: Header[] = [];
  let current: { name: string; value: string } | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && current) {
      current.value += line; // folding: the CRLF goes, the white space stays (§2.2.3)
      continue;
    }
    if (current) headers.push(finish(current));
    const colon = line.indexOf(':');
    current = colon > 0 ? { name: line.slice(0, colon).trim(), value: line.slice(colon + 1) } : undefined;
  }
  if (current) headers.push(finish(current));
  return headers;
}

function finish(raw: { name: string; value: string }): Header {
  return { name: raw.name, value: decodeEncodedWords(raw.value.trim()) };
}

/** Offset of the blank line that ends the headers, or the whole length. */
export function headerEnd(block: Buffer): number {
  const lf = block.indexOf('\n\n');
  const crlf = block.indexOf('\r\n\r\n');
  const ends = [lf, crlf].filter((i) => i !== -1);
  return ends.length === 0 ? block.length : Math.min(...ends);
}

/** Every value of the named header (case-insensitive). */
export function headerValues(headers: readonly Header[], name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter((h) => h.name.toLowerCase() === wanted).map((h) => h.value);
}
