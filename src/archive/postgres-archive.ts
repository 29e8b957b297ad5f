// The PostgreSQL archive (pg): the same store and search semantics as sqlite-archive.ts, for
// many workers on many machines. Raw bytes are kept once per SHA-256 of the content, brotli-
// compressed like the SQLite store; each (account, uid) points at one message. Writes are
// idempotent under concurrency through ON CONFLICT on the content hash and on (account, uid).
//
// Full text: a tsvector column with a GIN index. The vector is built here, not by to_tsvector,
// so tokens are exactly those of the SQLite FTS5 unicode61 tokenizer with diacritics removed
// (letters and digits, case-folded, marks stripped) whatever the server's locale or text
// search configuration. Columns carry weights (subject A, from B, to/cc C, body and
// attachment names D) for from:/to:/subject:, and a gap of one position between columns so
// that a phrase never matches across two of them. PostgreSQL limits: positions stop at 16383
// (phrases deep in a very long body may be missed), 255 positions per word are kept, and a
// vector stays under 1 MB (the rest of a huge body is not indexed).
//
// Threads as in the SQLite store (threads.ts): numbered at ingest, under a transaction-level
// advisory lock so that connections threading at once cannot split or half-merge a thread.

import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Archive, ArchiveStats } from './archive.js';
import { type ParsedMessage, parseMessage } from './parse.js';
import { inTransaction, type Migration, migrate, openPool } from './pg-database.js';
import type { Query, QueryTerm } from './query.js';
import type { IngestResult, SearchRow, ShownMessage } from './sqlite-archive.js';
import { compressRaw, decompressRaw, formatAddresses } from './stored-form.js';
import { type ThreadRow, threadKeys, threadsOfRows } from './threads.js';

/** Rows written per statement by a migration's backfill. */
const BACKFILL_BATCH = 10_000;

/** Versioned migrations: index i brings the schema from version i to i + 1. Each runs inside
 * the transaction that records the new version; SQL, or a function for what SQL cannot do. */
const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    compression TEXT NOT NULL,
    data BYTEA NOT NULL
  );
  CREATE TABLE messages (
    id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE REFERENCES blobs(hash),
    parse_error TEXT,
    from_json TEXT NOT NULL,
    to_json TEXT NOT NULL,
    cc_json TEXT NOT NULL,
    subject TEXT NOT NULL,
    date BIGINT,
    message_id TEXT,
    in_reply_to TEXT,
    references_json TEXT NOT NULL,
    body TEXT NOT NULL,
    attachment_count INTEGER NOT NULL,
    search TSVECTOR NOT NULL
  );
  CREATE INDEX messages_date ON messages(date DESC NULLS LAST, id DESC);
  CREATE INDEX messages_message_id ON messages(message_id);
  CREATE INDEX messages_search ON messages USING GIN (search);
  CREATE TABLE locations (
    account TEXT NOT NULL,
    uid TEXT NOT NULL,
    message INTEGER NOT NULL REFERENCES messages(id),
    archived_at BIGINT NOT NULL,
    PRIMARY KEY (account, uid)
  );
  CREATE INDEX locations_message ON locations(message, account);
  CREATE TABLE attachments (
    message INTEGER NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    name TEXT,
    type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (message, position)
  );
  `,
  // 2: threads (threads.ts). messages.thread is the thread's number (its lowest message id),
  // thread_ids maps every Message-ID a message named to its thread; existing messages are
  // threaded here, in one pass of union-find.
  async (client) => {
    await client.query(`
      ALTER TABLE messages ADD COLUMN thread INTEGER;
      CREATE TABLE thread_ids (
        msgid TEXT PRIMARY KEY,
        thread INTEGER NOT NULL
      );
    `);
    const { rows } = await client.query(
      'SELECT id, message_id, in_reply_to, references_json FROM messages ORDER BY id',
    );
    const { messageThread, keyThread } = threadsOfRows(rows as ThreadRow[]);
    const messages = [...messageThread];
    for (let i = 0; i < messages.length; i += BACKFILL_BATCH) {
      const batch = messages.slice(i, i + BACKFILL_BATCH);
      await client.query(
        `UPDATE messages m SET thread = v.thread
         FROM unnest($1::int[], $2::int[]) AS v(id, thread) WHERE m.id = v.id`,
        [batch.map(([id]) => id), batch.map(([, thread]) => thread)],
      );
    }
    const keys = [...keyThread];
    for (let i = 0; i < keys.length; i += BACKFILL_BATCH) {
      const batch = keys.slice(i, i + BACKFILL_BATCH);
      await client.query(
        'INSERT INTO thread_ids (msgid, thread) SELECT * FROM unnest($1::text[], $2::int[])',
        [batch.map(([key]) => key), batch.map(([, thread]) => thread)],
      );
    }
    await client.query(`
      CREATE INDEX messages_thread ON messages(thread);
      CREATE INDEX thread_ids_thread ON thread_ids(thread);
    `);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Any constant: serialises migrations of concurrent open()s. */
const MIGRATION_LOCK = 0x706f7033;
/** Another: serialises threading of new messages (taken late in ingest, held until commit). */
const THREAD_LOCK = 0x706f7074;

const MAX_POSITION = 16383;
const MAX_POSITIONS_PER_WORD = 255;
const MAX_WORD_BYTES = 2046;
const MAX_VECTOR_BYTES = 900_000;

type Weight = 'A' | 'B' | 'C' | 'D';
const FIELD_WEIGHTS = { subject: 'A', from: 'B', to: 'C' } as const;

/** Words as the SQLite FTS5 unicode61 tokenizer with remove_diacritics sees them. */
export function searchTokens(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t !== '');
}

function quoteLexeme(word: string): string {
  return `'${word.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function wordFits(word: string): boolean {
  return Buffer.byteLength(word) <= MAX_WORD_BYTES;
}

/** A tsvector literal of the columns, in order, with their weights and a gap between columns. */
export function buildTsvector(columns: readonly (readonly [Weight, string])[]): string {
  const positions = new Map<string, string[]>();
  let position = 0;
  let bytes = 0;
  for (const [weight, text] of columns) {
    for (const word of searchTokens(text)) {
      position = Math.min(position + 1, MAX_POSITION);
      if (!wordFits(word)) continue;
      let list = positions.get(word);
      if (!list) {
        const cost = Buffer.byteLength(word) + 8;
        if (bytes + cost > MAX_VECTOR_BYTES) continue;
        bytes += cost;
        list = [];
        positions.set(word, list);
      }
      if (list.length < MAX_POSITIONS_PER_WORD) {
        list.push(`${position}${weight}`);
        bytes += 2;
      }
    }
    position = Math.min(position + 1, MAX_POSITION);
  }
  return [...positions].map(([word, list]) => `${quoteLexeme(word)}:${list.join(',')}`).join(' ');
}

/** A tsquery literal for a word or phrase, restricted to one weight; undefined when it cannot match. */
function phraseQuery(value: string, weight: Weight | undefined): string | undefined {
  const words = searchTokens(value);
  if (words.length === 0 || !words.every(wordFits)) return undefined;
  return words.map((w) => `${quoteLexeme(w)}${weight ? `:${weight}` : ''}`).join(' <-> ');
}

/** PostgreSQL text cannot hold NUL. */
function clean(value: string): string;
function clean(value: string | null): string | null;
function clean(value: string | null): string | null {
  return value === null ? null : value.replace(/\u0000/g, '');
}

class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function termCondition(term: QueryTerm, params: Params): string {
  let positive: string;
  switch (term.kind) {
    case 'text':
    case 'field': {
      const query = phraseQuery(term.value, term.kind === 'field' ? FIELD_WEIGHTS[term.field] : undefined);
      positive = query === undefined ? 'FALSE' : `(m.search @@ ${params.add(query)}::tsquery)`;
      break;
    }
    case 'account':
      positive = `EXISTS (SELECT 1 FROM locations l WHERE l.message = m.id AND l.account = ${params.add(term.value)})`;
      break;
    case 'after':
      positive = `(m.date IS NOT NULL AND m.date >= ${params.add(term.time)})`;
      break;
    case 'before':
      positive = `(m.date IS NOT NULL AND m.date < ${params.add(term.time)})`;
      break;
    case 'has':
      positive = '(m.attachment_count > 0)';
      break;
    case 'thread':
      // IN, not =: no such message or Message-ID is an empty set, so the negation holds.
      positive =
        term.by === 'id'
          ? `(m.thread IN (SELECT t.thread FROM messages t WHERE t.id = ${params.add(term.id)}::bigint))`
          : `(m.thread IN (SELECT t.thread FROM thread_ids t WHERE t.msgid = ${params.add(term.messageId)}))`;
      break;
  }
  return term.negated ? `NOT ${positive}` : positive;
}

/** Thrown inside a transaction to roll it back and answer `value`. */
class Rollback<T> {
  constructor(readonly value: T) {}
}

function toNumber(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export class PostgresArchive implements Archive {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /**
   * Where each (account, uid) is in the archive at `url`: its message id, or undefined when it
   * is not there. Read-only (no schema migration), and an unreachable or empty database holds
   * nothing, so a retriever settling a crashed run never creates or changes an archive by looking.
   */
  static async locate(
    url: string,
    keys: readonly { account: string; uid: string }[],
  ): Promise<(number | undefined)[]> {
    if (keys.length === 0) return [];
    let pool: pg.Pool;
    try {
      pool = openPool(url, { max: 1, connectionTimeoutMillis: 15_000 });
    } catch {
      return keys.map(() => undefined);
    }
    try {
      return await new PostgresArchive(pool).locate(keys);
    } finally {
      await pool.end().catch(() => {});
    }
  }

  /** Connects to `url` (postgres://...) and brings the schema to the current version. */
  static async open(url: string, options: { maxConnections?: number } = {}): Promise<PostgresArchive> {
    const pool = openPool(url, { max: options.maxConnections ?? 4 });
    const archive = new PostgresArchive(pool);
    try {
      await archive.#migrate();
    } catch (error) {
      await pool.end();
      throw error;
    }
    return archive;
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.#pool, work);
    } catch (error) {
      if (error instanceof Rollback) return error.value as T;
      throw error;
    }
  }

  async #migrate(): Promise<void> {
    await migrate(this.#pool, {
      name: 'archive',
      versionTable: 'schema_version',
      lock: MIGRATION_LOCK,
      migrations: MIGRATIONS,
    });
  }

  /** Where each (account, uid) is: its message id, or undefined when it is not there (or the
   * query fails). Read-only. */
  async locate(keys: readonly { account: string; uid: string }[]): Promise<(number | undefined)[]> {
    if (keys.length === 0) return [];
    try {
      const { rows } = await this.#pool.query(
        `SELECT l.account, l.uid, l.message FROM locations l
         JOIN unnest($1::text[], $2::text[]) AS k(account, uid) ON l.account = k.account AND l.uid = k.uid`,
        [keys.map((k) => k.account), keys.map((k) => k.uid)],
      );
      const found = new Map<string, number>();
      for (const r of rows) found.set(JSON.stringify([r.account, r.uid]), r.message as number);
      return keys.map((k) => found.get(JSON.stringify([k.account, k.uid])));
    } catch {
      return keys.map(() => undefined);
    }
  }

  /** Every UID of `account` the archive holds, with its message id: what a shared worker
   * (src/fetch/shared) knows was delivered even when the worker that archived it died before
   * saving its state. */
  async uidsOf(account: string): Promise<Map<string, number>> {
    const { rows } = await this.#pool.query('SELECT uid, message FROM locations WHERE account = $1', [
      account,
    ]);
    return new Map(rows.map((r) => [r.uid as string, r.message as number]));
  }

  /** The schema version stored in the database. */
  async schemaVersion(): Promise<number> {
    const { rows } = await this.#pool.query('SELECT version FROM schema_version');
    return (rows[0] as { version: number }).version;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** Archives messages one transaction each (see ingest): a crash keeps what committed. */
  async ingestMany(account: string, items: readonly { uid: string; raw: Buffer }[]): Promise<IngestResult[]> {
    const results: IngestResult[] = [];
    for (const { uid, raw } of items) results.push(await this.ingest(account, uid, raw));
    return results;
  }

  /**
   * Archives one message. Idempotent by (account, uid), and the bytes are stored once per
   * content hash, also when other connections ingest the same message at the same time;
   * everything is written in one transaction, so a caller may record the message as
   * delivered once this returns.
   */
  async ingest(account: string, uid: string, raw: Buffer): Promise<IngestResult> {
    const existing = await this.#pool.query('SELECT message FROM locations WHERE account = $1 AND uid = $2', [
      account,
      uid,
    ]);
    if (existing.rows[0]) return { id: existing.rows[0].message as number, added: false, newContent: false };
    const hash = createHash('sha256').update(raw).digest('hex');
    const known = await this.#pool.query('SELECT id FROM messages WHERE hash = $1', [hash]);
    const parsed = known.rows[0] ? null : await parseMessage(raw);
    return this.#transaction(async (client): Promise<IngestResult> => {
      let id = (await client.query('SELECT id FROM messages WHERE hash = $1', [hash])).rows[0]?.id as
        | number
        | undefined;
      let newContent = false;
      if (id === undefined) {
        const inserted = await this.#insertMessage(client, hash, raw, parsed ?? (await parseMessage(raw)));
        newContent = inserted !== undefined;
        id =
          inserted ??
          ((await client.query('SELECT id FROM messages WHERE hash = $1', [hash])).rows[0]?.id as number);
      }
      const located = await client.query(
        `INSERT INTO locations (account, uid, message, archived_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account, uid) DO NOTHING RETURNING message`,
        [account, uid, id, Date.now()],
      );
      if (located.rows.length === 0) {
        // Another connection recorded (account, uid) first: keep its answer, and nothing of ours.
        const other = await client.query('SELECT message FROM locations WHERE account = $1 AND uid = $2', [
          account,
          uid,
        ]);
        throw new Rollback<IngestResult>({
          id: other.rows[0]?.message as number,
          added: false,
          newContent: false,
        });
      }
      return { id, added: true, newContent };
    });
  }

  /** Inserts blob, message and attachments; undefined when another connection stored the hash first. */
  async #insertMessage(
    client: pg.PoolClient,
    hash: string,
    raw: Buffer,
    parsed: ParsedMessage,
  ): Promise<number | undefined> {
    const stored = await compressRaw(raw);
    await client.query(
      `INSERT INTO blobs (hash, size, compression, data) VALUES ($1, $2, $3, $4) ON CONFLICT (hash) DO NOTHING`,
      [hash, raw.length, stored.compression, stored.data],
    );
    const attachmentNames = parsed.attachments.map((a) => a.name ?? '').join(' ');
    const vector = buildTsvector([
      ['A', parsed.subject],
      ['B', formatAddresses(parsed.from)],
      ['C', formatAddresses([...parsed.to, ...parsed.cc])],
      ['D', parsed.text],
      ['D', attachmentNames],
    ]);
    const inserted = await client.query(
      `INSERT INTO messages (hash, parse_error, from_json, to_json, cc_json, subject, date, message_id,
         in_reply_to, references_json, body, attachment_count, search)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::tsvector)
       ON CONFLICT (hash) DO NOTHING RETURNING id`,
      [
        hash,
        clean(parsed.parseError),
        JSON.stringify(parsed.from),
        JSON.stringify(parsed.to),
        JSON.stringify(parsed.cc),
        clean(parsed.subject),
        parsed.date,
        clean(parsed.messageId),
        clean(parsed.inReplyTo),
        JSON.stringify(parsed.references),
        clean(parsed.text),
        parsed.attachments.length,
        vector,
      ],
    );
    const id = inserted.rows[0]?.id as number | undefined;
    if (id === undefined) return undefined;
    for (const [position, a] of parsed.attachments.entries()) {
      await client.query(
        'INSERT INTO attachments (message, position, name, type, size, sha256) VALUES ($1, $2, $3, $4, $5, $6)',
        [id, position, clean(a.name), clean(a.type), a.size, a.sha256],
      );
    }
    await this.#joinThread(client, id, threadKeys(parsed));
    return id;
  }

  /**
   * Puts the new message `id` in the thread of the ids it names (threads.ts): the threads those
   * ids are in merge into the lowest-numbered one (or the message starts its own), and ids not
   * seen before are recorded. In the ingest transaction, holding THREAD_LOCK until it commits:
   * every statement after the lock sees every thread change committed before it, so no other
   * connection can add to a thread being renumbered or number one id twice.
   */
  async #joinThread(client: pg.PoolClient, id: number, keys: readonly string[]): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock($1)', [THREAD_LOCK]);
    const { rows } = await client.query(
      'SELECT DISTINCT thread FROM thread_ids WHERE msgid = ANY($1::text[])',
      [keys],
    );
    const found = rows.map((r) => r.thread as number);
    const thread = Math.min(id, ...found);
    const others = found.filter((t) => t !== thread);
    if (others.length > 0) {
      await client.query('UPDATE messages SET thread = $1 WHERE thread = ANY($2::int[])', [thread, others]);
      await client.query('UPDATE thread_ids SET thread = $1 WHERE thread = ANY($2::int[])', [thread, others]);
    }
    if (keys.length > 0) {
      await client.query(
        `INSERT INTO thread_ids (msgid, thread) SELECT unnest($1::text[]), $2::int
         ON CONFLICT (msgid) DO NOTHING`,
        [keys, thread],
      );
    }
    await client.query('UPDATE messages SET thread = $1 WHERE id = $2', [thread, id]);
  }

  /** Messages matching every term of `query`, newest first (undated last). */
  async search(query: Query, options: { limit?: number } = {}): Promise<SearchRow[]> {
    const params = new Params();
    const conditions = query.terms.map((t) => termCondition(t, params));
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const limit = params.add(options.limit === undefined || options.limit < 0 ? null : options.limit);
    const { rows } = await this.#pool.query(
      `SELECT m.id, m.message_id, m.date, m.from_json, m.subject, m.attachment_count, m.thread,
         ARRAY(SELECT DISTINCT l.account COLLATE "C" FROM locations l WHERE l.message = m.id
               ORDER BY 1) AS accounts
       FROM messages m ${where}
       ORDER BY m.date DESC NULLS LAST, m.id DESC
       LIMIT ${limit}`,
      params.values,
    );
    return rows.map((r) => {
      const accounts = r.accounts as string[];
      return {
        id: r.id as number,
        messageId: r.message_id as string | null,
        date: toNumber(r.date),
        from: formatAddresses(JSON.parse(r.from_json as string)),
        subject: r.subject as string,
        account: accounts[0] ?? '',
        accounts,
        hasAttachment: (r.attachment_count as number) > 0,
        thread: (r.thread ?? r.id) as number,
      };
    });
  }

  /** The stored view of one message, or undefined when there is no such id. */
  async show(id: number): Promise<ShownMessage | undefined> {
    const m = (
      await this.#pool.query(
        'SELECT m.*, b.size FROM messages m JOIN blobs b ON b.hash = m.hash WHERE m.id = $1',
        [id],
      )
    ).rows[0] as Record<string, unknown> | undefined;
    if (!m) return undefined;
    const attachments = (
      await this.#pool.query(
        'SELECT name, type, size, sha256 FROM attachments WHERE message = $1 ORDER BY position',
        [id],
      )
    ).rows as { name: string | null; type: string; size: number; sha256: string }[];
    const locations = (
      await this.#pool.query(
        'SELECT account, uid FROM locations WHERE message = $1 ORDER BY account COLLATE "C", uid COLLATE "C"',
        [id],
      )
    ).rows as { account: string; uid: string }[];
    return {
      id,
      hash: m.hash as string,
      size: m.size as number,
      locations,
      from: JSON.parse(m.from_json as string),
      to: JSON.parse(m.to_json as string),
      cc: JSON.parse(m.cc_json as string),
      subject: m.subject as string,
      date: toNumber(m.date),
      messageId: m.message_id as string | null,
      inReplyTo: m.in_reply_to as string | null,
      references: JSON.parse(m.references_json as string),
      text: m.body as string,
      attachments,
      parseError: m.parse_error as string | null,
    };
  }

  /** The exact bytes of one message, or undefined when there is no such id. */
  async raw(id: number): Promise<Buffer | undefined> {
    const row = (
      await this.#pool.query(
        'SELECT b.compression, b.data FROM messages m JOIN blobs b ON b.hash = m.hash WHERE m.id = $1',
        [id],
      )
    ).rows[0] as { compression: string; data: Buffer } | undefined;
    if (!row) return undefined;
    return decompressRaw(row.compression, row.data);
  }

  /** Counts for tests and reports: messages, locations, blobs, compressed and raw bytes. */
  async stats(): Promise<ArchiveStats> {
    const { rows } = await this.#pool.query(
      `SELECT (SELECT count(*) FROM messages) AS messages,
              (SELECT count(*) FROM locations) AS locations,
              (SELECT count(*) FROM blobs) AS blobs,
              (SELECT coalesce(sum(size), 0) FROM blobs) AS raw_bytes,
              (SELECT coalesce(sum(octet_length(data)), 0) FROM blobs) AS stored_bytes`,
    );
    const r = rows[0] as Record<string, unknown>;
    return {
      messages: Number(r.messages),
      locations: Number(r.locations),
      blobs: Number(r.blobs),
      rawBytes: Number(r.raw_bytes),
      storedBytes: Number(r.stored_bytes),
    };
  }
}
