// MIME parsing for the archive, through postal-mime (measured against mailparser: about 3x
// the parse rate on the same corpus; see the issue 7 report). The archive keeps the raw bytes
// whatever happens here; a message that does not parse gets `parseError` and empty fields.
import { createHash } from 'node:crypto';
import PostalMime, { type Address, type Email } from 'postal-mime';

export interface ParsedAddress {
  readonly name: string;
  readonly address: string;
}

export interface ParsedAttachment {
  readonly name: string | null;
  readonly type: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ParsedMessage {
  readonly from: readonly ParsedAddress[];
  readonly to: readonly ParsedAddress[];
  readonly cc: readonly ParsedAddress[];
  readonly subject: string;
  /** ms since the epoch, or null when the Date header is missing or unreadable. */
  readonly date: number | null;
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  /** text/plain, or the text of text/html when there is no plain part. */
  readonly text: string;
  readonly attachments: readonly ParsedAttachment[];
  /** Set when the message does not parse; the raw bytes are still archived, flagged. */
  readonly parseError: string | null;
}

const HEADER_LINE = /^[!-9;-~]+[ \t]*:/;

/**
 * Checks the header section is RFC 5322 shaped (fields and folded continuations up to the
 * first empty line). postal-mime accepts anything, so this is where garbage is caught.
 */
export function headerProblem(raw: Buffer): string | null {
  if (raw.length === 0) return 'empty message';
  let end = raw.indexOf('\n\n');
  const crlf = raw.indexOf('\r\n\r\n');
  if (crlf !== -1 && (end === -1 || crlf < end)) end = crlf;
  const head = raw.subarray(0, end === -1 ? raw.length : end).toString('latin1');
  const lines = head.split(/\r?\n/);
  let fields = 0;
  for (const [index, line] of lines.entries()) {
    if (index === 0 && line.startsWith('From ')) continue; // an mbox envelope line
    if (line === '') continue;
    if (line[0] === ' ' || line[0] === '\t') {
      if (fields === 0) return 'continuation line before any header field';
      continue;
    }
    if (!HEADER_LINE.test(line)) return `malformed header line ${index + 1}`;
    fields++;
  }
  return fields === 0 ? 'no header fields' : null;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** A small HTML-to-text for indexing: drops script/style, turns block ends into newlines. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|li|tr|h[1-6])\s*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t]*\n\s*/g, '\n')
    .trim();
}

function addresses(list: Address[] | Address | undefined): ParsedAddress[] {
  if (!list) return [];
  const out: ParsedAddress[] = [];
  for (const entry of Array.isArray(list) ? list : [list]) {
    if (entry.group)
      for (const member of entry.group) out.push({ name: member.name, address: member.address });
    else if (entry.address !== undefined) out.push({ name: entry.name, address: entry.address });
  }
  return out;
}

function msgIds(value: string | undefined): string[] {
  return value?.match(/<[^<>\s]+>/g) ?? [];
}

function emptyMessage(parseError: string): ParsedMessage {
  return {
    from: [],
    to: [],
    cc: [],
    subject: '',
    date: null,
    messageId: null,
    inReplyTo: null,
    references: [],
    text: '',
    attachments: [],
    parseError,
  };
}

/** Parses raw message bytes. Never throws: failures come back as `parseError`. */
export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  const problem = headerProblem(raw);
  if (problem) return emptyMessage(problem);
  let email: Email;
  try {
    email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
  } catch (error) {
    return emptyMessage(error instanceof Error ? error.message : String(error));
  }
  const date = email.date ? Date.parse(email.date) : Number.NaN;
  const text =
    email.text !== undefined && email.text.trim() !== ''
      ? email.text
      : email.html
        ? htmlToText(email.html)
        : '';
  return {
    from: addresses(email.from),
    to: addresses(email.to),
    cc: addresses(email.cc),
    subject: email.subject ?? '',
    date: Number.isFinite(date) ? date : null,
    messageId: msgIds(email.messageId)[0] ?? email.messageId ?? null,
    inReplyTo: msgIds(email.inReplyTo)[0] ?? null,
    references: msgIds(email.references),
    text,
    attachments: email.attachments.map((a) => {
      const content =
        typeof a.content === 'string'
          ? Buffer.from(a.content, a.encoding === 'base64' ? 'base64' : 'utf8')
          : Buffer.from(a.content instanceof ArrayBuffer ? new Uint8Array(a.content) : a.content);
      return {
        name: a.filename,
        type: a.mimeType,
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      };
    }),
    parseError: null,
  };
}
