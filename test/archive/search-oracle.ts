// The independent oracle of the archive search tests, shared by every store (SQLite,
// PostgreSQL): the right answer of a query is computed from the generated message objects
// (their own tokenizer, Intl for local days), never from an archive's code or its parse.
// Threads too: union-find over the generated messages' own Message-ID, In-Reply-To and
// References; the only thing taken from a store is which archive id it gave each message,
// for `thread:ID` and the number of a thread (the lowest archive id in it).
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

/** Conversations of a corpus: the ids each message names, joined by union-find. */
export class Conversations {
  readonly #parent = new Map<string, string>();

  constructor(corpus: readonly GenMessage[]) {
    for (const m of corpus) for (const id of linked(m)) this.union(m.messageId, id);
  }

  /** The representative of the conversation a Message-ID is in; undefined if none names it. */
  find(id: string): string | undefined {
    if (!this.#parent.has(id)) return undefined;
    let root = id;
    while (this.#parent.get(root) !== root) root = this.#parent.get(root) as string;
    return root;
  }

  union(a: string, b: string): void {
    for (const id of [a, b]) if (!this.#parent.has(id)) this.#parent.set(id, id);
    const ra = this.find(a) as string;
    const rb = this.find(b) as string;
    if (ra !== rb) this.#parent.set(ra, rb);
  }
}

/** The Message-IDs a generated message names: its own, In-Reply-To, References. */
export function linked(m: GenMessage): string[] {
  return [m.messageId, ...(m.inReplyTo ? [m.inReplyTo] : []), ...m.references];
}

/** What `thread:` needs besides the corpus: its conversations, and the ids a store gave. */
interface Context {
  readonly conversations: Conversations;
  /** archive id -> Message-ID, as the store under test numbered the corpus. */
  readonly archiveIds: ReadonlyMap<number, string> | undefined;
}

function holds(m: GenMessage, term: QueryTerm, context: Context): boolean {
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
    case 'thread': {
      let target: string | undefined;
      if (term.by === 'id') {
        if (!context.archiveIds) throw new Error(`${JSON.stringify(term)} needs the archive ids`);
        const messageId = context.archiveIds.get(term.id);
        target = messageId === undefined ? undefined : context.conversations.find(messageId);
      } else {
        target = context.conversations.find(term.messageId);
      }
      result = target !== undefined && context.conversations.find(m.messageId) === target;
      break;
    }
  }
  return term.negated ? !result : result;
}

/**
 * The message ids `query` must find in `corpus`, newest first. `archiveIds` (archive id ->
 * Message-ID, from the store under test) is needed only for `thread:ID`.
 */
export function expected(
  corpus: readonly GenMessage[],
  query: string,
  archiveIds?: ReadonlyMap<number, string>,
): string[] {
  const terms = parseQuery(query).terms;
  const context = { conversations: new Conversations(corpus), archiveIds };
  return corpus
    .filter((m) => terms.every((t) => holds(m, t, context)))
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

/** Message-ID -> the number its thread should have: the lowest archive id in its conversation. */
export function expectedThreadNumbers(
  corpus: readonly GenMessage[],
  idOf: ReadonlyMap<string, number>,
): Map<string, number> {
  const conversations = new Conversations(corpus);
  const lowest = new Map<string, number>();
  for (const m of corpus) {
    const root = conversations.find(m.messageId) as string;
    const id = idOf.get(m.messageId);
    if (id === undefined) throw new Error(`no archive id for ${m.messageId}`);
    lowest.set(root, Math.min(lowest.get(root) ?? id, id));
  }
  return new Map(
    corpus.map((m) => [m.messageId, lowest.get(conversations.find(m.messageId) as string) as number]),
  );
}

/** The conversations of `corpus` biggest first, each as its messages in corpus order. */
export function conversationList(corpus: readonly GenMessage[]): GenMessage[][] {
  const conversations = new Conversations(corpus);
  const groups = new Map<string, GenMessage[]>();
  for (const m of corpus) {
    const root = conversations.find(m.messageId) as string;
    groups.set(root, [...(groups.get(root) ?? []), m]);
  }
  return [...groups.values()].sort((a, b) => b.length - a.length);
}

/**
 * How threads arise as `corpus` is ingested in order: replies stored before their parent,
 * ids only replies name (lost parents) shared by several messages, and messages that join
 * conversations that were apart until they came.
 */
export function threadArrival(corpus: readonly GenMessage[]): {
  readonly childBeforeParent: number;
  readonly sharedLostParents: number;
  readonly merges: number;
} {
  const position = new Map(corpus.map((m, i) => [m.messageId, i]));
  let childBeforeParent = 0;
  const namedBy = new Map<string, number>();
  for (const [i, m] of corpus.entries()) {
    const parent = m.inReplyTo ?? m.references.at(-1);
    const at = parent === undefined ? undefined : position.get(parent);
    if (at !== undefined && at > i) childBeforeParent++;
    for (const id of new Set(linked(m).slice(1))) {
      if (!position.has(id)) namedBy.set(id, (namedBy.get(id) ?? 0) + 1);
    }
  }
  const sharedLostParents = [...namedBy.values()].filter((n) => n > 1).length;
  let merges = 0;
  const sofar = new Conversations([]);
  for (const m of corpus) {
    const apart = new Set(
      linked(m)
        .map((id) => sofar.find(id))
        .filter((r) => r !== undefined),
    );
    if (apart.size > 1) merges++;
    for (const id of linked(m)) sofar.union(m.messageId, id);
  }
  return { childBeforeParent, sharedLostParents, merges };
}

/** `thread:` queries by Message-ID, with and without brackets, negated, and with other terms. */
export function threadQueries(corpus: readonly GenMessage[]): string[] {
  const conversations = conversationList(corpus);
  const queries: string[] = [];
  for (const group of conversations.slice(0, 6)) {
    const first = group[0] as GenMessage;
    const last = group.at(-1) as GenMessage;
    queries.push(
      `thread:${first.messageId}`,
      `thread:${last.messageId.slice(1, -1)}`,
      `-thread:${first.messageId}`,
      `thread:"${last.messageId}" has:attachment`,
      `thread:${first.messageId} -account:${first.account}`,
      `thread:${first.messageId} after:2024-07-01`,
    );
  }
  // Ids only replies name: the conversation of a lost parent.
  const inCorpus = new Set(corpus.map((m) => m.messageId));
  const lost = [...new Set(corpus.flatMap((m) => linked(m)))].filter((id) => !inCorpus.has(id));
  for (const id of lost.slice(0, 5)) queries.push(`thread:${id}`, `-thread:${id.slice(1, -1)}`);
  const single = conversations.find((g) => g.length === 1)?.[0];
  if (single) queries.push(`thread:${single.messageId}`, `-thread:${single.messageId}`);
  const [a, b] = conversations;
  if (a && b) {
    queries.push(
      `thread:${a[0]?.messageId} thread:${b[0]?.messageId}`,
      `thread:${a[0]?.messageId} thread:${a.at(-1)?.messageId}`,
      `thread:${a[0]?.messageId} -thread:${b[0]?.messageId}`,
      `-thread:${a[0]?.messageId} -thread:${b[0]?.messageId} invoice`,
    );
  }
  queries.push('thread:<nobody@nowhere.example>', '-thread:nobody@nowhere.example', 'thread:<123>');
  return queries;
}

/** `thread:ID` queries, by the archive ids a store gave the corpus (Message-ID -> id). */
export function threadIdQueries(corpus: readonly GenMessage[], idOf: ReadonlyMap<string, number>): string[] {
  const queries: string[] = [];
  const id = (m: GenMessage | undefined) => (m ? idOf.get(m.messageId) : undefined);
  for (const group of conversationList(corpus).slice(0, 8)) {
    // The first message of a conversation the store saw, and one that came later.
    queries.push(`thread:${id(group[0])}`, `thread:${id(group.at(-1))} -from:${group[0]?.from.address}`);
    queries.push(`-thread:${id(group[1] ?? group[0])}`);
  }
  const max = Math.max(...idOf.values());
  queries.push(`thread:${max + 1000}`, `-thread:${max + 1000}`, 'thread:0', `thread:00${id(corpus[0])}`);
  return queries;
}
