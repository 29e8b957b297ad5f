// The SQLite archive against a generated corpus. The right answer of every search is computed
// here from the generated message objects (their own tokenizer, Intl for local days), never
// from the archive's code or its parse.
process.env.TZ = 'America/New_York'; // days are local: make local differ from UTC

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parseQuery } from '../../src/archive/query.js';
import { SCHEMA_VERSION, SqliteArchive } from '../../src/archive/sqlite-archive.js';
import { type GenMessage, makeCorpus } from './corpus.js';
import {
  conversationList,
  expected as expectedIn,
  expectedThreadNumbers,
  person,
  searchQueries,
  threadArrival,
  threadIdQueries,
  threadQueries,
  tokens,
} from './search-oracle.js';
import { checkThreadScenario } from './thread-cases.js';

const corpus = makeCorpus(300, 11);
const expected = (query: string) => expectedIn(corpus, query);

describe('SqliteArchive', () => {
  let dir: string;
  let archive: SqliteArchive;

  before(async () => {
    dir = fs.mkdtempSync(join(tmpdir(), 'pop3kit-archive-'));
    archive = SqliteArchive.open(join(dir, 'archive.db'));
    for (const m of corpus) {
      const result = await archive.ingest(m.account, m.uid, m.raw);
      assert.equal(result.added, true);
    }
  });

  after(() => {
    archive.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens in WAL mode at the current schema version, and reopens without migrating twice', () => {
    assert.equal(archive.journalMode, 'wal');
    assert.equal(archive.schemaVersion, SCHEMA_VERSION);
    const again = SqliteArchive.open(join(dir, 'archive.db'));
    assert.equal(again.schemaVersion, SCHEMA_VERSION);
    assert.equal(again.stats().messages, corpus.length);
    again.close();
  });

  it('stores every message once, compressed, and gives back the exact bytes', () => {
    const stats = archive.stats();
    assert.equal(stats.messages, corpus.length);
    assert.equal(stats.blobs, corpus.length);
    assert.equal(
      stats.rawBytes,
      corpus.reduce((sum, m) => sum + m.raw.length, 0),
    );
    assert.ok(stats.storedBytes < stats.rawBytes, `${stats.storedBytes} < ${stats.rawBytes}`);
    for (const row of archive.search(parseQuery(''))) {
      const m = corpus.find((c) => c.messageId === row.messageId);
      assert.ok(m);
      assert.deepEqual(archive.raw(row.id), m.raw);
    }
    assert.equal(archive.raw(999_999), undefined);
    assert.equal(archive.show(999_999), undefined);
  });

  it('decodes headers, charsets and encoded words, threads and attachments (show)', () => {
    const ids = new Map(archive.search(parseQuery('')).map((r) => [r.messageId, r.id]));
    for (const m of corpus) {
      const shown = archive.show(ids.get(m.messageId) as number);
      assert.ok(shown, m.messageId);
      assert.equal(shown.parseError, null);
      assert.equal(shown.subject, m.subject);
      assert.deepEqual(shown.from, [m.from]);
      assert.deepEqual(shown.to, m.to);
      assert.deepEqual(shown.cc, m.cc);
      assert.equal(shown.date, m.date);
      assert.equal(shown.messageId, m.messageId);
      assert.equal(shown.inReplyTo, m.inReplyTo);
      assert.deepEqual(shown.references, m.references);
      assert.deepEqual(tokens(shown.text), tokens(m.body), `${m.messageId} (${m.charset})`);
      assert.deepEqual(
        shown.attachments,
        m.attachments.map((a) => ({ name: a.name, type: a.type, size: a.content.length, sha256: a.sha256 })),
      );
      assert.deepEqual(shown.locations, [{ account: m.account, uid: m.uid }]);
    }
  });

  const queries = searchQueries(corpus);

  for (const query of queries) {
    it(`search ${JSON.stringify(query)} matches the independently computed answer, newest first`, () => {
      const want = expected(query);
      const got = archive.search(parseQuery(query)).map((r) => r.messageId);
      assert.deepEqual(got, want);
    });
  }

  for (const query of threadQueries(corpus)) {
    it(`search ${JSON.stringify(query)} finds the independently computed conversation`, () => {
      const want = expected(query);
      const got = archive.search(parseQuery(query)).map((r) => r.messageId);
      assert.deepEqual(got, want);
    });
  }

  it('thread:ID (an archive id) finds the conversation of that message', () => {
    const rows = archive.search(parseQuery(''));
    const idOf = new Map(rows.map((r) => [r.messageId as string, r.id]));
    const archiveIds = new Map(rows.map((r) => [r.id, r.messageId as string]));
    const queries = threadIdQueries(corpus, idOf);
    assert.ok(queries.length > 20);
    for (const query of queries) {
      const want = expectedIn(corpus, query, archiveIds);
      const got = archive.search(parseQuery(query)).map((r) => r.messageId);
      assert.deepEqual(got, want, query);
    }
  });

  it('each row carries its thread: the lowest archive id of its conversation', () => {
    const rows = archive.search(parseQuery(''));
    const want = expectedThreadNumbers(corpus, new Map(rows.map((r) => [r.messageId as string, r.id])));
    for (const row of rows) assert.equal(row.thread, want.get(row.messageId as string), row.messageId ?? '');
    assert.ok(new Set(rows.map((r) => r.thread)).size < rows.length, 'some threads have several messages');
  });

  it('the corpus has conversations that merge late, lost parents and replies before parents', () => {
    const arrival = threadArrival(corpus);
    assert.ok(arrival.childBeforeParent >= 10, JSON.stringify(arrival));
    assert.ok(arrival.sharedLostParents >= 3, JSON.stringify(arrival));
    assert.ok(arrival.merges >= 3, JSON.stringify(arrival));
    const sizes = conversationList(corpus).map((g) => g.length);
    assert.ok((sizes[0] ?? 0) >= 8 && sizes.includes(1), JSON.stringify(sizes.slice(0, 10)));
    for (const query of threadQueries(corpus).slice(0, 3)) {
      const n = expected(query).length;
      assert.ok(n > 1 && n < corpus.length, `${query}: ${n}`);
    }
  });

  it('the answers are not trivial: operators select proper, non-empty subsets', () => {
    for (const query of [
      'café',
      'has:attachment',
      'after:2024-06-01',
      'account:work',
      'from:alice@example.org',
      'Привет',
    ]) {
      const n = expected(query).length;
      assert.ok(n > 0 && n < corpus.length, `${query}: ${n}`);
    }
  });

  it('rows carry id, messageId, date, from, subject, account; limit keeps the newest', () => {
    const all = archive.search(parseQuery('has:attachment'));
    const top = archive.search(parseQuery('has:attachment'), { limit: 5 });
    assert.deepEqual(top, all.slice(0, 5));
    const first = top[0];
    assert.ok(first);
    const m = corpus.find((c) => c.messageId === first.messageId);
    assert.ok(m);
    assert.equal(first.date, m.date);
    assert.equal(first.subject, m.subject);
    assert.equal(first.from, person(m.from));
    assert.equal(first.account, m.account);
    assert.equal(first.hasAttachment, true);
    assert.equal(typeof first.id, 'number');
  });

  it('re-ingesting (account, uid) changes nothing', async () => {
    const beforeStats = archive.stats();
    for (const m of corpus.slice(0, 50)) {
      const result = await archive.ingest(m.account, m.uid, m.raw);
      assert.deepEqual(
        { added: result.added, newContent: result.newContent },
        { added: false, newContent: false },
      );
    }
    assert.deepEqual(archive.stats(), beforeStats);
  });

  it('the same bytes under another (account, uid) are stored once, with two locations', async () => {
    const m = corpus[3] as GenMessage;
    const beforeStats = archive.stats();
    const first = archive.search(parseQuery(`marker3 account:${m.account}`))[0];
    const result = await archive.ingest('elsewhere', 'x-1', m.raw);
    assert.equal(result.added, true);
    assert.equal(result.newContent, false);
    assert.equal(result.id, first?.id);
    const stats = archive.stats();
    assert.equal(stats.blobs, beforeStats.blobs);
    assert.equal(stats.messages, beforeStats.messages);
    assert.equal(stats.locations, beforeStats.locations + 1);
    const rows = archive.search(parseQuery('account:elsewhere'));
    assert.deepEqual(
      rows.map((r) => r.messageId),
      [m.messageId],
    );
    assert.deepEqual(rows[0]?.accounts, [m.account, 'elsewhere'].sort());
  });
});

describe('SqliteArchive threads', () => {
  it('numbers threads at ingest: late parents, lost parents, merges, thread: by id and Message-ID', async () => {
    const archive = SqliteArchive.open(':memory:');
    try {
      await checkThreadScenario(archive);
    } finally {
      archive.close();
    }
  });

  it('migrating a version 1 archive threads the messages it holds', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'pop3kit-archive-v1-'));
    const file = join(dir, 'archive.db');
    try {
      const archive = SqliteArchive.open(file);
      for (const m of corpus) await archive.ingest(m.account, m.uid, m.raw);
      archive.close();
      // Back to what version 1 had: no thread column, no thread_ids.
      const db = new Database(file);
      db.exec(`
        DROP INDEX messages_thread;
        DROP INDEX thread_ids_thread;
        ALTER TABLE messages DROP COLUMN thread;
        DROP TABLE thread_ids;
        UPDATE schema_version SET version = 1;
      `);
      db.close();

      const migrated = SqliteArchive.open(file);
      try {
        assert.equal(migrated.schemaVersion, SCHEMA_VERSION);
        const rows = migrated.search(parseQuery(''));
        assert.equal(rows.length, corpus.length);
        const idOf = new Map(rows.map((r) => [r.messageId as string, r.id]));
        const archiveIds = new Map(rows.map((r) => [r.id, r.messageId as string]));
        const want = expectedThreadNumbers(corpus, idOf);
        for (const row of rows) assert.equal(row.thread, want.get(row.messageId as string));
        for (const query of [...threadQueries(corpus), ...threadIdQueries(corpus, idOf)]) {
          const got = migrated.search(parseQuery(query)).map((r) => r.messageId);
          assert.deepEqual(got, expectedIn(corpus, query, archiveIds), query);
        }
        // New mail after the migration threads into what the backfill built.
        const reply = Buffer.from(
          `From: x@example.org\r\nSubject: late\r\nMessage-ID: <late@example.org>\r\nIn-Reply-To: ${corpus[0]?.messageId}\r\n\r\nlate\r\n`,
        );
        const late = await migrated.ingest('work', 'late', reply);
        const lateRow = migrated
          .search(parseQuery('thread:<late@example.org>'))
          .find((r) => r.id === late.id);
        assert.equal(lateRow?.thread, want.get(corpus[0]?.messageId as string));
      } finally {
        migrated.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteArchive with unparsable and concurrent input', () => {
  it('archives a message that does not parse raw, flagged, and still finds it by account', async () => {
    const archive = SqliteArchive.open(':memory:');
    const garbage = Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a, 0x0a, 0x41]);
    const result = await archive.ingest('work', 'bad-1', garbage);
    const shown = archive.show(result.id);
    assert.ok(shown?.parseError);
    assert.deepEqual(archive.raw(result.id), garbage);
    assert.deepEqual(
      archive.search(parseQuery('account:work')).map((r) => r.id),
      [result.id],
    );
    assert.deepEqual(archive.search(parseQuery('before:2100-01-01')), []);
    archive.close();
  });

  it('concurrent ingests of one (account, uid) record it once', async () => {
    const archive = SqliteArchive.open(':memory:');
    const m = corpus[0] as GenMessage;
    const results = await Promise.all([1, 2, 3].map(() => archive.ingest(m.account, m.uid, m.raw)));
    assert.equal(results.filter((r) => r.added).length, 1);
    assert.equal(new Set(results.map((r) => r.id)).size, 1);
    assert.equal(archive.stats().locations, 1);
    assert.equal(archive.stats().messages, 1);
    archive.close();
  });
});
