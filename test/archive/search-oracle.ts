// The independent oracle of the archive search tests, shared by every store (SQLite,
// PostgreSQL): the right answer of a query is computed from the generated message objects
// (their own tokenizer, Intl for local days), never from an archive's code or its parse.
import { parseQuery, type QueryTerm } from '../../src/archive/query.js';
import { ACCOUNTS, type GenMessage, LATIN_WORDS, PEOPLE, UTF8_ONLY_WORDS } from './corpus.js';

/** Words as an FTS unicode61 tokenizer with diacritics removal would see them. */
export function tokens(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== '');
}

function containsSequence(haystack: string[], needle: string[]): boolean {
  if (needle.length === 0) return false;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

export const person = (p: { name: string; address: string }) => `${p.name} <${p.address}>`;
export const localDay = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

function columns(m: GenMessage): Record<'subject' | 'from' | 'to' | 'body' | 'attachments', string[]> {
  return {
    subject: tokens(m.subject),
    from: tokens(person(m.from)),
    to: tokens([...m.to, ...m.cc].map(person).join(', ')),
    body: tokens(m.body),
    attachments: tokens(m.attachments.map((a) => a.name).join(' ')),
  };
}

function holds(m: GenMessage, term: QueryTerm): boolean {
  let result: boolean;
  switch (term.kind) {
    case 'text':
      result = Object.values(columns(m)).some((col) => containsSequence(col, tokens(term.value)));
      break;
    case 'field':
      result = containsSequence(columns(m)[term.field], tokens(term.value));
      break;
    case 'account':
      result = m.account === term.value;
      break;
    case 'after':
      result = localDay.format(m.date) >= term.day;
      break;
    case 'before':
      result = localDay.format(m.date) < term.day;
      break;
    case 'has':
      result = m.attachments.length > 0;
      break;
  }
  return term.negated ? !result : result;
}

/** The message ids `query` must find in `corpus`, newest first. */
export function expected(corpus: readonly GenMessage[], query: string): string[] {
  const terms = parseQuery(query).terms;
  return corpus
    .filter((m) => terms.every((t) => holds(m, t)))
    .sort((a, b) => b.date - a.date)
    .map((m) => m.messageId);
}

/** The queries every store is checked with; some are taken from the corpus itself. */
export function searchQueries(corpus: readonly GenMessage[]): string[] {
  const queries: string[] = [
    '',
    ...[...LATIN_WORDS, ...UTF8_ONLY_WORDS].map((w) => w),
    'cafe',
    'ZURICH',
    'zolw',
    ...PEOPLE.flatMap((p) => [
      `from:${p.address}`,
      `to:${p.address}`,
      `from:"${p.name}"`,
      `-from:${p.address}`,
    ]),
    'from:Волков',
    'to:groß',
    ...LATIN_WORDS.slice(0, 8).map((w) => `subject:${w}`),
    'subject:"invoice meeting"',
    '-subject:café',
    ...ACCOUNTS.flatMap((a) => [`account:${a}`, `-account:${a}`]),
    'account:nowhere',
    'has:attachment',
    '-has:attachment',
    'résumé',
    'pdf has:attachment',
    'after:2024-06-01',
    'before:2024-06-01',
    '-after:2024-06-01',
    '-before:2024-03-15',
    'after:2024-03-10 before:2024-03-20',
    'after:2024-12-31',
    'before:2024-01-02',
    'invoice -budget',
    '-invoice -budget account:work',
    'invoice budget after:2024-04-01 -has:attachment',
    '"hello"',
    '!!!',
    '-"!!!"',
  ];
  // Phrases and markers taken from the corpus itself.
  for (const m of corpus.slice(0, 25)) {
    const words = m.body.split('\n')[1]?.split(' ') ?? [];
    queries.push(
      `"${words[2]} ${words[3]} ${words[4]}"`,
      `-"${words[0]} ${words[1]}"`,
      `marker${m.uid.slice(4)}`,
    );
  }
  // Days around the corpus's messages: local days differ from UTC days near midnight.
  for (const m of corpus.slice(0, 15)) {
    const day = localDay.format(m.date);
    queries.push(`after:${day}`, `before:${day}`, `after:${day} -before:${day}`);
  }
  return queries;
}
