// The PostgreSQL archive against the generated corpus, on a private PostgreSQL started for this
// file. The answers come from the same independent oracle as the SQLite tests (search-oracle.ts).
process.env.TZ = 'America/New_York'; // days are local: make local differ from UTC

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTsvector, PostgresArchive, SCHEMA_VERSION } from '../../src/archive/postgres-archive.js';
import { parseQuery } from '../../src/archive/query.js';
import { type PrivatePostgres, postgresSkipReason, startPostgres } from '../helpers/postgres.js';
import { type GenMessage, makeCorpus } from './corpus.js';
import { expected as expectedIn, expectedThreadNumbers } from './search-oracle.js';
import { archiveConformance, checkMigratedThreads } from './store-conformance.js';

const corpus = makeCorpus(300, 11);
const _expected = (query: string) => expectedIn(corpus, query);
const skip = postgresSkipReason();

let server: PrivatePostgres | undefined;

async function database(name: string): Promise<string> {
  if (!server) {
    server = await startPostgres();
    assert.ok(server, 'postgresql is installed but did not start');
  }
  return server.createDatabase(name);
}

after(async () => {
  await server?.stop();
});

describe('PostgresArchive', { skip }, () => {
  let url: string;
  let archive: PostgresArchive;

  before(async () => {
    url = await database('corpus');
    archive = await PostgresArchive.open(url);
    for (const m of corpus) {
      const result = await archive.ingest(m.account, m.uid, m.raw);
      assert.equal(result.added, true);
    }
  });

  after(async () => {
    await archive?.close();
  });

  it('opens at the current schema version, and reopens (twice at once) without migrating again', async () => {
    assert.equal(await archive.schemaVersion(), SCHEMA_VERSION);
    const again = await Promise.all([PostgresArchive.open(url), PostgresArchive.open(url)]);
    for (const a of again) {
      assert.equal(await a.schemaVersion(), SCHEMA_VERSION);
      assert.equal((await a.stats()).messages, corpus.length);
      await a.close();
    }
  });

  it('migrates an empty database concurrently from several connections', async () => {
    const fresh = await database('fresh');
    const opened = await Promise.all([1, 2, 3].map(() => PostgresArchive.open(fresh)));
    for (const a of opened) {
      assert.equal(await a.schemaVersion(), SCHEMA_VERSION);
      await a.close();
    }
  });

  archiveConformance(corpus, {
    archive: () => archive,
    fresh: async (name) => PostgresArchive.open(await database(name)),
  });

  /** The plan PostgreSQL picks for `sql` when it may not scan whole tables. */
  async function plan(sql: string): Promise<string> {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN ${sql}`);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await client.end();
    }
  }

  it('thread: is an index lookup (messages_thread, thread_ids), not a walk of the archive', async () => {
    const text = await plan(
      `SELECT id FROM messages m
       WHERE m.thread IN (SELECT t.thread FROM thread_ids t WHERE t.msgid = '<x@y>')`,
    );
    assert.match(text, /messages_thread/);
    assert.match(text, /thread_ids_pkey/);
  });

  it('uses the GIN index on the tsvector column for full text', async () => {
    const text = await plan(
      "SELECT id FROM messages m WHERE m.search @@ '''invoice'' <-> ''meeting'''::tsquery",
    );
    assert.match(text, /messages_search/);
    assert.equal(await archive.schemaVersion(), SCHEMA_VERSION);
  });
});

describe('PostgresArchive threads', { skip }, () => {
  it('migrating a version 1 archive threads the messages it holds', async () => {
    const url = await database('version_1');
    const archive = await PostgresArchive.open(url);
    for (const m of corpus) await archive.ingest(m.account, m.uid, m.raw);
    await archive.close();
    // Back to what version 1 had: no thread column, no thread_ids.
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`
        DROP INDEX messages_thread;
        ALTER TABLE messages DROP COLUMN thread;
        DROP TABLE thread_ids;
        UPDATE schema_version SET version = 1;
      `);
    } finally {
      await client.end();
    }

    const migrated = await PostgresArchive.open(url);
    try {
      assert.equal(await migrated.schemaVersion(), SCHEMA_VERSION);
      await checkMigratedThreads(migrated, corpus);
    } finally {
      await migrated.close();
    }
  });
});

describe('PostgresArchive with concurrent input', { skip }, () => {
  it('concurrent ingests from two connections record every (account, uid) and every content once', async () => {
    const url = await database('concurrent');
    const [a, b] = await Promise.all([PostgresArchive.open(url), PostgresArchive.open(url)]);
    assert.ok(a && b);
    try {
      const batch = corpus.slice(0, 80);
      // Both connections ingest the same messages at once, in opposite orders, and each also
      // files the same bytes under an account of its own.
      const [fromA, fromB] = await Promise.all([
        Promise.all([
          ...batch.map((m) => a.ingest(m.account, m.uid, m.raw)),
          ...batch.map((m) => a.ingest('copy-a', m.uid, m.raw)),
        ]),
        Promise.all([
          ...[...batch].reverse().map((m) => b.ingest(m.account, m.uid, m.raw)),
          ...batch.map((m) => b.ingest('copy-b', m.uid, m.raw)),
        ]),
      ]);
      const shared = [...fromA.slice(0, batch.length), ...fromB.slice(0, batch.length)];
      assert.equal(shared.filter((r) => r.added).length, batch.length);
      assert.equal(
        [...fromA, ...fromB].filter((r) => r.newContent).length,
        batch.length,
        'each content is new exactly once',
      );
      assert.ok(fromA.slice(batch.length).every((r) => r.added));
      assert.ok(fromB.slice(batch.length).every((r) => r.added));
      const stats = await a.stats();
      assert.equal(stats.messages, batch.length);
      assert.equal(stats.blobs, batch.length);
      assert.equal(stats.locations, batch.length * 3);
      // Both connections agree on the id of each message.
      for (const [i, m] of batch.entries()) {
        const viaA = fromA[i] as { id: number };
        const viaB = fromB[batch.length - 1 - i] as { id: number };
        assert.equal(viaA.id, viaB.id, m.messageId);
        assert.equal((fromB[batch.length + i] as { id: number }).id, viaA.id);
      }
      const rows = await b.search(parseQuery('account:copy-a'));
      assert.deepEqual(rows.map((r) => r.messageId).sort(), batch.map((m) => m.messageId).sort());
      assert.deepEqual(rows[0]?.accounts.length, 3);
      // Threaded at once from two connections, in opposite orders: still one number per
      // conversation, its lowest id, whichever connection stored which message.
      const idOf = new Map(rows.map((r) => [r.messageId as string, r.id]));
      const want = expectedThreadNumbers(batch, idOf);
      assert.ok(new Set(want.values()).size < batch.length, 'the batch has conversations');
      for (const row of rows)
        assert.equal(row.thread, want.get(row.messageId as string), row.messageId ?? '');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('concurrent ingests of one (account, uid) on one connection pool record it once', async () => {
    const archive = await PostgresArchive.open(await database('one_uid'));
    try {
      const m = corpus[0] as GenMessage;
      const results = await Promise.all([1, 2, 3].map(() => archive.ingest(m.account, m.uid, m.raw)));
      assert.equal(results.filter((r) => r.added).length, 1);
      assert.equal(new Set(results.map((r) => r.id)).size, 1);
      const stats = await archive.stats();
      assert.equal(stats.locations, 1);
      assert.equal(stats.messages, 1);
      assert.equal(stats.blobs, 1);
    } finally {
      await archive.close();
    }
  });
});

describe('PostgresArchive tsvector', () => {
  it('keeps columns apart by one position and weighs them', () => {
    assert.equal(
      buildTsvector([
        ['A', 'Café Zürich'],
        ['D', 'café'],
      ]),
      "'cafe':1A,4D 'zurich':2A",
    );
    assert.equal(buildTsvector([['B', "it's O'Brien"]]), "'it':1B 's':2B 'o':3B 'brien':4B");
    assert.equal(buildTsvector([['D', '!!! ...']]), '');
  });
});
