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
import { SCHEMA_VERSION, SqliteArchive } from '../../src/archive/sqlite-archive.js';
import { type GenMessage, makeCorpus } from './corpus.js';
import { conversationList, expected as expectedIn, threadArrival, threadQueries } from './search-oracle.js';
import { archiveConformance, checkMigratedThreads } from './store-conformance.js';

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

  archiveConformance(corpus, {
    archive: () => archive,
    fresh: async () => SqliteArchive.open(':memory:'),
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
});

describe('SqliteArchive threads', () => {
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
        await checkMigratedThreads(migrated, corpus);
      } finally {
        migrated.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteArchive with concurrent input', () => {
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
