// The SQLite archive (better-sqlite3, WAL, FTS5). Raw bytes are kept once per SHA-256 of
// the content, brotli-compressed (stored-form.ts); each (account, uid) points at one message.
// Search takes the AST of query.ts, newest first.
// Threads are numbered at ingest (threads.ts): `thread:` is an indexed lookup, never a walk.

import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Archive } from './archive.js';
import { type ParsedMessage, parseMessage } from './parse.js';
import type { Query, QueryTerm } from './query.js';
import { compressRaw, decompressRaw, formatAddresses, type StoredBytes } from './stored-form.js';
import { type ThreadRow, threadKeys, threadsOfRows } from './threads.js';

/** Versioned migrations: index i brings the schema from version i to i + 1. Each runs inside
 * the transaction that records the new version; SQL, or a function for what SQL cannot do. */
const MIGRATIONS: readonly (string | ((db: Database.Database) => void))[] = [
  `
  CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    compression TEXT NOT NULL,
    data BLOB NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE REFERENCES blobs(hash),
    parse_error TEXT,
    from_json TEXT NOT NULL,
    to_json TEXT NOT NULL,
    cc_json TEXT NOT NULL,
    subject TEXT NOT NULL,
    date INTEGER,
    message_id TEXT,
    in_reply_to TEXT,
    references_json TEXT NOT NULL,
    body TEXT NOT NULL,
    attachment_count INTEGER NOT NULL
  );
  CREATE INDEX messages_date ON messages(date DESC, id DESC);
  CREATE INDEX messages_message_id ON messages(message_id);
  CREATE TABLE locations (
    account TEXT NOT NULL,
    uid TEXT NOT NULL,
    message INTEGER NOT NULL REFERENCES messages(id),
    archived_at INTEGER NOT NULL,
    PRIMARY KEY (account, uid)
  ) WITHOUT ROWID;
  CREATE INDEX locations_message ON locations(message, account);
  CREATE TABLE attachments (
    message INTEGER NOT NULL REFERENCES messages(id),
    position INTEGER NOT NULL,
    name TEXT,
    type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (message, position)
  ) WITHOUT ROWID;
  CREATE VIRTUAL TABLE messages_fts USING fts5(
    subject, from_text, to_text, body, attachment_names,
    content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2'
  );
  `,
  // 2: threads (threads.ts). messages.thread is the thread's number (its lowest message id),
  // thread_ids maps every Message-ID a message named to its thread; existing messages are
  // threaded here, in one pass of union-find.
  (db) => {
    db.exec(`
      ALTER TABLE messages ADD COLUMN thread INTEGER;
      CREATE TABLE thread_ids (
        msgid TEXT PRIMARY KEY,
        thread INTEGER NOT NULL
      ) WITHOUT ROWID;
    `);
    const rows = db
      .prepare('SELECT id, message_id, in_reply_to, references_json FROM messages ORDER BY id')
      .all() as ThreadRow[];
    const { messageThread, keyThread } = threadsOfRows(rows);
    const setThread = db.prepare('UPDATE messages SET thread = ? WHERE id = ?');
    for (const [id, thread] of messageThread) setThread.run(thread, id);
    const addKey = db.prepare('INSERT INTO thread_ids (msgid, thread) VALUES (?, ?)');
    for (const [key, thread] of keyThread) addKey.run(key, thread);
    db.exec(`
      CREATE INDEX messages_thread ON messages(thread);
      CREATE INDEX thread_ids_thread ON thread_ids(thread);
    `);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** A message of an ingestMany batch, ready for the transaction: content null when the
 * archive already had it (by (account, uid) or by hash) before the batch began. */
interface Prepared {
  readonly uid: string;
  readonly hash: string;
  readonly content: {
    readonly size: number;
    readonly parsed: ParsedMessage;
    readonly stored: StoredBytes;
  } | null;
}

export interface IngestResult {
  readonly id: number;
  /** False when (account, uid) was already archived: nothing changed. */
  readonly added: boolean;
  /** True when the content was new (not only a new location of known bytes). */
  readonly newContent: boolean;
}

export interface SearchRow {
  readonly id: number;
  readonly messageId: string | null;
  readonly date: number | null;
  readonly from: string;
  readonly subject: string;
  /** The first account (by name) the message was fetched from; `accounts` lists all. */
  readonly account: string;
  readonly accounts: readonly string[];
  readonly hasAttachment: boolean;
  /** The thread: the lowest archive id of the conversation (`thread:N` finds it all). */
  readonly thread: number;
}

export interface ShownMessage extends ParsedMessage {
  readonly id: number;
  readonly hash: string;
  readonly size: number;
  readonly locations: readonly { readonly account: string; readonly uid: string }[];
}

/** True when the text has something the FTS tokenizer would index. */
function hasTokens(value: string): boolean {
  return /[\p{L}\p{N}]/u.test(value);
}

function ftsString(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

const FTS_COLUMNS = { from: '{from_text}', to: '{to_text}', subject: '{subject}' } as const;

interface Condition {
  readonly sql: string;
  readonly params: readonly (string | number)[];
}

/**
 * The condition of one term. `inThread`: the query has a (positive) `thread:` term, so the
 * thread index bounds the rows, and full text is probed per row (FTS5 seeks by rowid) rather
 * than listing every match of the archive: 1 ms instead of 40 at 50,000 messages.
 */
function termCondition(term: QueryTerm, inThread: boolean): Condition {
  let positive: Condition;
  switch (term.kind) {
    case 'text':
    case 'field': {
      if (!hasTokens(term.value)) {
        positive = { sql: '0', params: [] };
        break;
      }
      const match =
        term.kind === 'field'
          ? `${FTS_COLUMNS[term.field]} : ${ftsString(term.value)}`
          : ftsString(term.value);
      positive = {
        sql: inThread
          ? 'EXISTS (SELECT 1 FROM messages_fts WHERE messages_fts.rowid = m.id AND messages_fts MATCH ?)'
          : 'm.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)',
        params: [match],
      };
      break;
    }
    case 'account':
      positive = {
        sql: 'EXISTS (SELECT 1 FROM locations l WHERE l.message = m.id AND l.account = ?)',
        params: [term.value],
      };
      break;
    case 'after':
      positive = { sql: '(m.date IS NOT NULL AND m.date >= ?)', params: [term.time] };
      break;
    case 'before':
      positive = { sql: '(m.date IS NOT NULL AND m.date < ?)', params: [term.time] };
      break;
    case 'has':
      positive = { sql: 'm.attachment_count > 0', params: [] };
      break;
    case 'thread':
      // IN, not =: no such message or Message-ID is an empty set, so the negation holds.
      positive =
        term.by === 'id'
          ? { sql: 'm.thread IN (SELECT t.thread FROM messages t WHERE t.id = ?)', params: [term.id] }
          : {
              sql: 'm.thread IN (SELECT t.thread FROM thread_ids t WHERE t.msgid = ?)',
              params: [term.messageId],
            };
      break;
  }
  return term.negated ? { sql: `NOT ${positive.sql}`, params: positive.params } : positive;
}

export class SqliteArchive implements Archive {
  readonly #db: Database.Database;

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /**
   * Where each (account, uid) is in the archive at `file`: its message id, or undefined when
   * it is not there. Read-only, and a missing or unreadable archive holds nothing, so a
   * retriever settling a crashed run never creates or changes an archive by looking.
   */
  static locate(file: string, keys: readonly { account: string; uid: string }[]): (number | undefined)[] {
    let db: Database.Database | undefined;
    try {
      db = new Database(file, { readonly: true, fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      const find = db.prepare('SELECT message FROM locations WHERE account = ? AND uid = ?');
      return keys.map((k) => (find.get(k.account, k.uid) as { message: number } | undefined)?.message);
    } catch {
      return keys.map(() => undefined);
    } finally {
      db?.close();
    }
  }

  /** Opens (creating if needed) the archive at `file` (':memory:' for a private one). */
  static open(file: string): SqliteArchive {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // FULL: the retriever marks a message delivered once ingest() returns, so the commit must
    // be on disk by then (WAL with NORMAL syncs only at checkpoints; a power cut could lose it).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const archive = new SqliteArchive(db);
    archive.#migrate();
    return archive;
  }

  #migrate(): void {
    this.#db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const run = this.#db.transaction(() => {
      const row = this.#prepare('SELECT version FROM schema_version').get() as
        | { version: number }
        | undefined;
      let version = row?.version ?? 0;
      if (!row) this.#prepare('INSERT INTO schema_version (version) VALUES (0)').run();
      if (version > MIGRATIONS.length) {
        throw new Error(
          `archive schema version ${version} is newer than this pop3kit (${MIGRATIONS.length})`,
        );
      }
      for (; version < MIGRATIONS.length; version++) {
        const migration = MIGRATIONS[version] as string | ((db: Database.Database) => void);
        if (typeof migration === 'string') this.#db.exec(migration);
        else migration(this.#db);
      }
      this.#prepare('UPDATE schema_version SET version = ?').run(version);
    });
    run.immediate();
  }

  /** The schema version stored in the database. */
  get schemaVersion(): number {
    return (this.#prepare('SELECT version FROM schema_version').get() as { version: number }).version;
  }

  /** Journal mode as SQLite reports it ('wal' for a file database). */
  get journalMode(): string {
    return this.#db.pragma('journal_mode', { simple: true }) as string;
  }

  close(): void {
    this.#db.close();
  }

  /** Statements are prepared once per archive: preparing one costs about as much as running
   * it (0.12 ms a message of the 50,000-message ingest went to it, profiled). */
  readonly #statements = new Map<string, Database.Statement>();
  #prepare(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Archives one message. Idempotent by (account, uid), and the bytes are stored once per
   * content hash; everything is written in one transaction, so a caller may record the
   * message as delivered once this returns.
   */
  async ingest(account: string, uid: string, raw: Buffer): Promise<IngestResult> {
    const [result] = await this.ingestMany(account, [{ uid, raw }]);
    return result!;
  }

  /**
   * Archives messages of one account in one transaction: all or none are archived when this
   * settles. A commit per message made a new FTS5 segment, a WAL append and an fsync each:
   * 1.8 of 3.4 ms a message in the 50,000-message ingest (profiled); the retriever hands over
   * its delivery batches (250 messages or 8 MiB) whole.
   */
  async ingestMany(account: string, items: readonly { uid: string; raw: Buffer }[]): Promise<IngestResult[]> {
    // Parsing (postal-mime) and compression are asynchronous, so they happen before the
    // synchronous transaction; the batch's compressions start first, on the thread pool, and
    // run while the messages are parsed here.
    const checked = items.map(({ uid, raw }) => {
      const hash = createHash('sha256').update(raw).digest('hex');
      const seen =
        this.#prepare('SELECT 1 FROM locations WHERE account = ? AND uid = ?').get(account, uid) !==
          undefined || this.#prepare('SELECT 1 FROM messages WHERE hash = ?').get(hash) !== undefined;
      return { uid, raw, hash, stored: seen ? undefined : compressRaw(raw) };
    });
    // A compression that fails must not go unhandled while an earlier parse is awaited.
    for (const c of checked) c.stored?.catch(() => {});
    const prepared: Prepared[] = [];
    for (const { uid, raw, hash, stored } of checked)
      prepared.push({
        uid,
        hash,
        content:
          stored === undefined
            ? null
            : { size: raw.length, parsed: await parseMessage(raw), stored: await stored },
      });
    const write = this.#db.transaction((): IngestResult[] =>
      prepared.map(({ uid, hash, content }) => {
        const again = this.#prepare('SELECT message FROM locations WHERE account = ? AND uid = ?').get(
          account,
          uid,
        ) as { message: number } | undefined;
        if (again) return { id: again.message, added: false, newContent: false };
        let id = (
          this.#prepare('SELECT id FROM messages WHERE hash = ?').get(hash) as { id: number } | undefined
        )?.id;
        const newContent = id === undefined;
        if (id === undefined) id = this.#insertMessage(hash, content);
        this.#prepare('INSERT INTO locations (account, uid, message, archived_at) VALUES (?, ?, ?, ?)').run(
          account,
          uid,
          id,
          Date.now(),
        );
        return { id, added: true, newContent };
      }),
    );
    return write.immediate();
  }

  #insertMessage(hash: string, content: Prepared['content']): number {
    if (!content) throw new Error('message content changed between parse and write');
    const { parsed, stored } = content;
    this.#prepare('INSERT OR IGNORE INTO blobs (hash, size, compression, data) VALUES (?, ?, ?, ?)').run(
      hash,
      content.size,
      stored.compression,
      stored.data,
    );
    const info = this.#prepare(
      `INSERT INTO messages (hash, parse_error, from_json, to_json, cc_json, subject, date, message_id,
           in_reply_to, references_json, body, attachment_count)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      hash,
      parsed.parseError,
      JSON.stringify(parsed.from),
      JSON.stringify(parsed.to),
      JSON.stringify(parsed.cc),
      parsed.subject,
      parsed.date,
      parsed.messageId,
      parsed.inReplyTo,
      JSON.stringify(parsed.references),
      parsed.text,
      parsed.attachments.length,
    );
    const id = Number(info.lastInsertRowid);
    const addAttachment = this.#prepare(
      'INSERT INTO attachments (message, position, name, type, size, sha256) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const [position, a] of parsed.attachments.entries())
      addAttachment.run(id, position, a.name, a.type, a.size, a.sha256);
    this.#prepare(
      'INSERT INTO messages_fts (rowid, subject, from_text, to_text, body, attachment_names) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(
      id,
      parsed.subject,
      formatAddresses(parsed.from),
      formatAddresses([...parsed.to, ...parsed.cc]),
      parsed.text,
      parsed.attachments.map((a) => a.name ?? '').join(' '),
    );
    this.#joinThread(id, threadKeys(parsed));
    return id;
  }

  /**
   * Puts the new message `id` in the thread of the ids it names (threads.ts): the threads those
   * ids are in merge into the lowest-numbered one (or the message starts its own), and ids not
   * seen before are recorded. Runs in the ingest transaction.
   */
  #joinThread(id: number, keys: readonly string[]): void {
    const find = this.#prepare('SELECT thread FROM thread_ids WHERE msgid = ?');
    const found = new Set<number>();
    for (const key of keys) {
      const row = find.get(key) as { thread: number } | undefined;
      if (row) found.add(row.thread);
    }
    const thread = Math.min(id, ...found);
    for (const other of found) {
      if (other === thread) continue;
      this.#prepare('UPDATE messages SET thread = ? WHERE thread = ?').run(thread, other);
      this.#prepare('UPDATE thread_ids SET thread = ? WHERE thread = ?').run(thread, other);
    }
    const addKey = this.#prepare('INSERT OR IGNORE INTO thread_ids (msgid, thread) VALUES (?, ?)');
    for (const key of keys) addKey.run(key, thread);
    this.#prepare('UPDATE messages SET thread = ? WHERE id = ?').run(thread, id);
  }

  /** Messages matching every term of `query`, newest first (undated last: SQLite sorts NULL
   * below any date). */
  search(query: Query, options: { limit?: number } = {}): SearchRow[] {
    const inThread = query.terms.some((t) => t.kind === 'thread' && !t.negated);
    const conditions = query.terms.map((t) => termCondition(t, inThread));
    const where = conditions.length > 0 ? `WHERE ${conditions.map((c) => c.sql).join(' AND ')}` : '';
    const params = conditions.flatMap((c) => c.params);
    const limit = options.limit ?? -1;
    // Ids first, newest first through the date index, which stops after `limit` matches; the
    // columns (and each row's accounts) for those only. Left to itself SQLite drove the query
    // from the full-text matches and sorted them all: 100-240 ms for a common word at 50,000
    // messages, 2-11 ms this way (bench/archive.mjs). A thread is a few rows: its own index.
    const byDate = inThread ? '' : 'INDEXED BY messages_date';
    const rows = this.#prepare(
      `WITH hits AS (SELECT m.id FROM messages m ${byDate} ${where} ORDER BY m.date DESC, m.id DESC LIMIT ?)
       SELECT m.id, m.message_id, m.date, m.from_json, m.subject, m.attachment_count, m.thread,
           (SELECT group_concat(account, char(10)) FROM
              (SELECT DISTINCT account FROM locations l WHERE l.message = m.id ORDER BY account)) AS accounts
         FROM hits JOIN messages m ON m.id = hits.id
         ORDER BY m.date DESC, m.id DESC`,
    ).all(...params, limit) as {
      id: number;
      message_id: string | null;
      date: number | null;
      from_json: string;
      subject: string;
      attachment_count: number;
      thread: number | null;
      accounts: string | null;
    }[];
    return rows.map((r) => {
      const accounts = r.accounts ? r.accounts.split('\n') : [];
      return {
        id: r.id,
        messageId: r.message_id,
        date: r.date,
        from: formatAddresses(JSON.parse(r.from_json)),
        subject: r.subject,
        account: accounts[0] ?? '',
        accounts,
        hasAttachment: r.attachment_count > 0,
        thread: r.thread ?? r.id,
      };
    });
  }

  /** The stored view of one message, or undefined when there is no such id. */
  show(id: number): ShownMessage | undefined {
    const m = this.#prepare(
      'SELECT m.*, b.size FROM messages m JOIN blobs b ON b.hash = m.hash WHERE m.id = ?',
    ).get(id) as Record<string, unknown> | undefined;
    if (!m) return undefined;
    const attachments = this.#prepare(
      'SELECT name, type, size, sha256 FROM attachments WHERE message = ? ORDER BY position',
    ).all(id) as { name: string | null; type: string; size: number; sha256: string }[];
    const locations = this.#prepare(
      'SELECT account, uid FROM locations WHERE message = ? ORDER BY account, uid',
    ).all(id) as { account: string; uid: string }[];
    return {
      id,
      hash: m.hash as string,
      size: m.size as number,
      locations,
      from: JSON.parse(m.from_json as string),
      to: JSON.parse(m.to_json as string),
      cc: JSON.parse(m.cc_json as string),
      subject: m.subject as string,
      date: m.date as number | null,
      messageId: m.message_id as string | null,
      inReplyTo: m.in_reply_to as string | null,
      references: JSON.parse(m.references_json as string),
      text: m.body as string,
      attachments,
      parseError: m.parse_error as string | null,
    };
  }

  /** The exact bytes of one message, or undefined when there is no such id. */
  raw(id: number): Buffer | undefined {
    const row = this.#prepare(
      'SELECT b.compression, b.data FROM messages m JOIN blobs b ON b.hash = m.hash WHERE m.id = ?',
    ).get(id) as { compression: string; data: Buffer } | undefined;
    if (!row) return undefined;
    return decompressRaw(row.compression, row.data);
  }

  /** Counts for tests and reports: messages, locations, blobs, compressed and raw bytes. */
  stats(): { messages: number; locations: number; blobs: number; rawBytes: number; storedBytes: number } {
    const c = (sql: string) => (this.#prepare(sql).get() as { n: number | null }).n ?? 0;
    return {
      messages: c('SELECT count(*) AS n FROM messages'),
      locations: c('SELECT count(*) AS n FROM locations'),
      blobs: c('SELECT count(*) AS n FROM blobs'),
      rawBytes: c('SELECT sum(size) AS n FROM blobs'),
      storedBytes: c('SELECT sum(length(data)) AS n FROM blobs'),
    };
  }
}
