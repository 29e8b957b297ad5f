// The search query language of `pop3kit search` (notmuch / Gmail style), parsed into an AST.
// Pure: no database, no I/O. Terms are joined by AND; `-` negates any one term.
//
//   free text          word, or "a quoted phrase"
//   from:X  to:X  subject:X  account:X     X a word or a "quoted phrase"
//   after:YYYY-MM-DD   the message date is on or after the local midnight starting day D
//   before:YYYY-MM-DD  the message date is before the local midnight starting day D
//   has:attachment
//   thread:ID          every message of the conversation of archive message ID (a number)
//   thread:<MSGID>     ... of the message(s) with that Message-ID (angle brackets optional)
//
// Days are in the local time zone of the process (`TZ`), so `after:` and `before:` carry
// both the day as written and the instant (ms since the epoch) it starts at.

export type TextField = 'from' | 'to' | 'subject';

export type QueryTerm =
  | { readonly kind: 'text'; readonly value: string; readonly phrase: boolean; readonly negated: boolean }
  | {
      readonly kind: 'field';
      readonly field: TextField;
      readonly value: string;
      readonly phrase: boolean;
      readonly negated: boolean;
    }
  | { readonly kind: 'account'; readonly value: string; readonly negated: boolean }
  | {
      readonly kind: 'after' | 'before';
      readonly day: string;
      readonly time: number;
      readonly negated: boolean;
    }
  | { readonly kind: 'has'; readonly what: 'attachment'; readonly negated: boolean }
  | ThreadTerm;

/**
 * `thread:`: the conversation (messages linked by Message-ID, In-Reply-To and References) of
 * an archive message id, or of a Message-ID, kept in angle brackets (`<a@b>`) whether or not
 * the query had them.
 */
export type ThreadTerm =
  | { readonly kind: 'thread'; readonly by: 'id'; readonly id: number; readonly negated: boolean }
  | {
      readonly kind: 'thread';
      readonly by: 'message-id';
      readonly messageId: string;
      readonly negated: boolean;
    };

/** A parsed query: every term must hold (AND). No terms matches every message. */
export interface Query {
  readonly terms: readonly QueryTerm[];
}

/** A malformed query; `position` is the 0-based offset in the query string. */
export class QuerySyntaxError extends Error {
  readonly code = 'POP3KIT_QUERY_SYNTAX';
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} (at position ${position})`);
    this.name = 'QuerySyntaxError';
    this.position = position;
  }
}

const OPERATORS = ['from', 'to', 'subject', 'account', 'after', 'before', 'has', 'thread'] as const;
type Operator = (typeof OPERATORS)[number];

function isOperator(name: string): name is Operator {
  return (OPERATORS as readonly string[]).includes(name);
}

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';
}

/** Parses `YYYY-MM-DD` to the instant local midnight starts that day; throws on a bad date. */
export function localDayStart(day: string, position = 0): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new QuerySyntaxError(`bad date '${day}': expected YYYY-MM-DD`, position);
  const year = Number(match[1]);
  const month = Number(match[2]);
  const date = Number(match[3]);
  const start = new Date(year, month - 1, date);
  if (start.getFullYear() !== year || start.getMonth() !== month - 1 || start.getDate() !== date) {
    throw new QuerySyntaxError(`bad date '${day}': no such day`, position);
  }
  return start.getTime();
}

interface Scanned {
  readonly value: string;
  readonly quoted: boolean;
  readonly end: number;
}

/** Reads a word (up to whitespace) or a double-quoted string starting at `start`. */
function scanValue(query: string, start: number): Scanned {
  if (query[start] === '"') {
    const close = query.indexOf('"', start + 1);
    if (close === -1) throw new QuerySyntaxError('unterminated quote', start);
    return { value: query.slice(start + 1, close), quoted: true, end: close + 1 };
  }
  let end = start;
  while (end < query.length && !isSpace(query[end])) {
    if (query[end] === '"') throw new QuerySyntaxError('quote inside a word', end);
    end++;
  }
  return { value: query.slice(start, end), quoted: false, end };
}

/**
 * The value of `thread:`: digits are an archive message id, anything else a Message-ID
 * (`<a@b>` or `a@b`; put a Message-ID that is all digits in angle brackets).
 */
function threadTerm(value: string, negated: boolean, at: number): ThreadTerm {
  if (/^[0-9]+$/.test(value)) {
    const id = Number(value);
    if (!Number.isSafeInteger(id)) throw new QuerySyntaxError(`message id '${value}' is too large`, at);
    return { kind: 'thread', by: 'id', id, negated };
  }
  const bracketed = value.startsWith('<');
  if (bracketed !== value.endsWith('>')) {
    throw new QuerySyntaxError(`unbalanced angle brackets in 'thread:${value}'`, at);
  }
  const inner = bracketed ? value.slice(1, -1) : value;
  if (inner === '') throw new QuerySyntaxError("empty Message-ID for 'thread:'", at);
  if (/[\s<>\u0000-\u001f\u007f]/.test(inner)) {
    throw new QuerySyntaxError(
      `bad Message-ID '${value}' for 'thread:' (no spaces or angle brackets inside)`,
      at,
    );
  }
  return { kind: 'thread', by: 'message-id', messageId: `<${inner}>`, negated };
}

function operatorTerm(name: Operator, scanned: Scanned, negated: boolean, at: number): QueryTerm {
  const value = scanned.value;
  if (value.trim() === '') throw new QuerySyntaxError(`empty value for '${name}:'`, at);
  switch (name) {
    case 'from':
    case 'to':
    case 'subject':
      return { kind: 'field', field: name, value, phrase: scanned.quoted, negated };
    case 'account':
      return { kind: 'account', value, negated };
    case 'after':
    case 'before':
      return { kind: name, day: value, time: localDayStart(value, at), negated };
    case 'has':
      if (value.toLowerCase() !== 'attachment') {
        throw new QuerySyntaxError(`unknown value '${value}' for 'has:' (only has:attachment)`, at);
      }
      return { kind: 'has', what: 'attachment', negated };
    case 'thread':
      return threadTerm(value, negated, at);
  }
}

/** Parses a query string; throws QuerySyntaxError with the offending position. */
export function parseQuery(query: string): Query {
  const terms: QueryTerm[] = [];
  let i = 0;
  while (i < query.length) {
    if (isSpace(query[i])) {
      i++;
      continue;
    }
    const termStart = i;
    let negated = false;
    if (query[i] === '-') {
      negated = true;
      i++;
      if (i >= query.length || isSpace(query[i])) {
        throw new QuerySyntaxError("'-' must be followed by a term", termStart);
      }
    }
    if (query[i] === '"') {
      const scanned = scanValue(query, i);
      if (scanned.end < query.length && !isSpace(query[scanned.end])) {
        throw new QuerySyntaxError('a closing quote must be followed by a space', scanned.end);
      }
      if (scanned.value.trim() === '') throw new QuerySyntaxError('empty phrase', i);
      terms.push({ kind: 'text', value: scanned.value, phrase: true, negated });
      i = scanned.end;
      continue;
    }
    const operator = /^([A-Za-z][A-Za-z0-9_-]*):/.exec(query.slice(i));
    if (operator) {
      const name = (operator[1] as string).toLowerCase();
      if (!isOperator(name)) {
        throw new QuerySyntaxError(
          `unknown operator '${operator[1]}:' (known: ${OPERATORS.map((o) => `${o}:`).join(' ')}; quote the text to search for it)`,
          i,
        );
      }
      const valueStart = i + operator[0].length;
      if (valueStart >= query.length || isSpace(query[valueStart])) {
        throw new QuerySyntaxError(`empty value for '${name}:'`, i);
      }
      const scanned = scanValue(query, valueStart);
      if (scanned.end < query.length && !isSpace(query[scanned.end])) {
        throw new QuerySyntaxError('a closing quote must be followed by a space', scanned.end);
      }
      terms.push(operatorTerm(name, scanned, negated, i));
      i = scanned.end;
      continue;
    }
    const scanned = scanValue(query, i);
    terms.push({ kind: 'text', value: scanned.value, phrase: false, negated });
    i = scanned.end;
  }
  return { terms };
}
