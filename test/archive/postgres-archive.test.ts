// The PostgreSQL archive against the generated corpus, on a private PostgreSQL started for this
// file. The answers come from the same independent oracle as the SQLite tests (search-oracle.ts).
process.env.TZ = 'America/New_York'; // days are local: make local differ from UTC

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTsvector, PostgresArchive, SCHEMA_VERSION } from '../../src/archive/postgres-archive.js';
import { parseQuery } from '../../src/archive/query.js';
import { type PrivatePostgres, postgresSkipReason, startPostgres } from '../helpers/postgres.js';
import { type GenMessage, makeCorpus } from './corpus.js';
import {
  expected as expectedIn,
  expectedThreadNumbers,
  person,
  searchQueries,
  threadIdQueries,
  threadQueries,
  tokens,
} from './search-oracle.js';
import { checkThreadScenario } from './thread-cases.js';

const corpus = makeCorpus(300, 11);
const expected = (query: string) => expectedIn(corpus, query);
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

  it('stores every message once, compressed, and gives back the exact bytes', async () => {
    const stats = await archive.stats();
    assert.equal(stats.messages, corpus.length);
    assert.equal(stats.blobs, corpus.length);
    assert.equal(stats.locations, corpus.length);
    assert.equal(
      stats.rawBytes,
      corpus.reduce((sum, m) => sum + m.raw.length, 0),
    );
    assert.ok(stats.storedBytes < stats.rawBytes, `${stats.storedBytes} < ${stats.rawBytes}`);
    for (const row of await archive.search(parseQuery(''))) {
      const m = corpus.find((c) => c.messageId === row.messageId);
      assert.ok(m);
      assert.deepEqual(await archive.raw(row.id), m.raw);
    }
    assert.equal(await archive.raw(999_999), undefined);
    assert.equal(await archive.show(999_999), undefined);
  });

  it('decodes headers, charsets and encoded words, threads and attachments (show)', async () => {
    const ids = new Map((await archive.search(parseQuery(''))).map((r) => [r.messageId, r.id]));
    for (const m of corpus) {
      const shown = await archive.show(ids.get(m.messageId) as number);
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
      assert.equal(shown.size, m.raw.length);
    }
  });

  for (const query of searchQueries(corpus)) {
    it(`search ${JSON.stringify(query)} matches the independently computed answer, newest first`, async () => {
      const want = expected(query);
      const got = (await archive.search(parseQuery(query))).map((r) => r.messageId);
      assert.deepEqual(got, want);
    });
  }

  for (const query of threadQueries(corpus)) {
    it(`search ${JSON.stringify(query)} finds the independently computed conversation`, async () => {
      const want = expected(query);
      const got = (await archive.search(parseQuery(query))).map((r) => r.messageId);
      assert.deepEqual(got, want);
    });
  }

  it('thread:ID (an archive id) finds the conversation of that message', async () => {
    const rows = await archive.search(parseQuery(''));
    const idOf = new Map(rows.map((r) => [r.messageId as string, r.id]));
    const archiveIds = new Map(rows.map((r) => [r.id, r.messageId as string]));
    const queries = threadIdQueries(corpus, idOf);
    assert.ok(queries.length > 20);
    for (const query of queries) {
      const want = expectedIn(corpus, query, archiveIds);
      const got = (await archive.search(parseQuery(query))).map((r) => r.messageId);
      assert.deepEqual(got, want, query);
    }
  });

  it('each row carries its thread: the lowest archive id of its conversation', async () => {
    const rows = await archive.search(parseQuery(''));
    const want = expectedThreadNumbers(corpus, new Map(rows.map((r) => [r.messageId as string, r.id])));
    for (const row of rows) assert.equal(row.thread, want.get(row.messageId as string), row.messageId ?? '');
    assert.ok(new Set(rows.map((r) => r.thread)).size < rows.length, 'some threads have several messages');
  });

  it('thread: is an index lookup (messages_thread, thread_ids), not a walk of the archive', async () => {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = await client.query(
        `EXPLAIN SELECT id FROM messages m
         WHERE m.thread IN (SELECT t.thread FROM thread_ids t WHERE t.msgid = '<x@y>')`,
      );
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      assert.match(text, /messages_thread/);
      assert.match(text, /thread_ids_pkey/);
    } finally {
      await client.end();
    }
  });

  it('rows carry id, messageId, date, from, subject, account; limit keeps the newest', async () => {
    const all = await archive.search(parseQuery('has:attachment'));
    const top = await archive.search(parseQuery('has:attachment'), { limit: 5 });
    assert.equal(top.length, 5);
    assert.deepEqual(top, all.slice(0, 5));
    const first = top[0];
    assert.ok(first);
    const m = corpus.find((c) => c.messageId === first.messageId);
    assert.ok(m);
    assert.equal(first.date, m.date);
    assert.equal(first.subject, m.subject);
    assert.equal(first.from, person(m.from));
    assert.equal(first.account, m.account);
    assert.deepEqual(first.accounts, [m.account]);
    assert.equal(first.hasAttachment, true);
    assert.equal(typeof first.id, 'number');
  });

  it('uses the GIN index on the tsvector column for full text', async () => {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = await client.query(
        "EXPLAIN SELECT id FROM messages m WHERE m.search @@ '''invoice'' <-> ''meeting'''::tsquery",
      );
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      assert.match(text, /messages_search/);
      const { rows } = await client.query('SELECT version FROM schema_version');
      assert.deepEqual(rows, [{ version: SCHEMA_VERSION }]);
    } finally {
      await client.end();
    }
  });

  it('re-ingesting (account, uid) changes nothing', async () => {
    const beforeStats = await archive.stats();
    for (const m of corpus.slice(0, 50)) {
      const result = await archive.ingest(m.account, m.uid, m.raw);
      assert.deepEqual(
        { added: result.added, newContent: result.newContent },
        { added: false, newContent: false },
      );
    }
    assert.deepEqual(await archive.stats(), beforeStats);
  });

  it('the same bytes under another (account, uid) are stored once, with two locations', async () => {
    const m = corpus[3] as GenMessage;
    const beforeStats = await archive.stats();
    const first = (await archive.search(parseQuery(`marker3 account:${m.account}`)))[0];
    assert.ok(first);
    const result = await archive.ingest('elsewhere', 'x-1', m.raw);
    assert.equal(result.added, true);
    assert.equal(result.newContent, false);
    assert.equal(result.id, first.id);
    const stats = await archive.stats();
    assert.equal(stats.blobs, beforeStats.blobs);
    assert.equal(stats.messages, beforeStats.messages);
    assert.equal(stats.locations, beforeStats.locations + 1);
    const rows = await archive.search(parseQuery('account:elsewhere'));
    assert.deepEqual(
      rows.map((r) => r.messageId),
      [m.messageId],
    );
    assert.deepEqual(rows[0]?.accounts, [m.account, 'elsewhere'].sort());
    assert.deepEqual((await archive.show(first.id))?.locations, [
      ...[
        { account: m.account, uid: m.uid },
        { account: 'elsewhere', uid: 'x-1' },
      ].sort((a, b) => (a.account < b.account ? -1 : 1)),
    ]);
  });
});

describe('PostgresArchive threads', { skip }, () => {
  it('numbers threads at ingest: late parents, lost parents, merges, thread: by id and Message-ID', async () => {
    const archive = await PostgresArchive.open(await database('thread_scenario'));
    try {
      await checkThreadScenario(archive);
    } finally {
      await archive.close();
    }
  });

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
      const rows = await migrated.search(parseQuery(''));
      assert.equal(rows.length, corpus.length);
      const idOf = new Map(rows.map((r) => [r.messageId as string, r.id]));
      const archiveIds = new Map(rows.map((r) => [r.id, r.messageId as string]));
      const want = expectedThreadNumbers(corpus, idOf);
      for (const row of rows) assert.equal(row.thread, want.get(row.messageId as string));
      for (const query of [...threadQueries(corpus), ...threadIdQueries(corpus, idOf)]) {
        const got = (await migrated.search(parseQuery(query))).map((r) => r.messageId);
        assert.deepEqual(got, expectedIn(corpus, query, archiveIds), query);
      }
      // New mail after the migration threads into what the backfill built.
      const reply = Buffer.from(
        `From: x@example.org\r\nSubject: late\r\nMessage-ID: <late@example.org>\r\nIn-Reply-To: ${corpus[0]?.messageId}\r\n\r\nlate\r\n`,
      );
      const late = await migrated.ingest('work', 'late', reply);
      const lateRow = (await migrated.search(parseQuery('thread:<late@example.org>'))).find(
        (r) => r.id === late.id,
      );
      assert.equal(lateRow?.thread, want.get(corpus[0]?.messageId as string));
    } finally {
      await migrated.close();
    }
  });
});

describe('PostgresArchive with unparsable and concurrent input', { skip }, () => {
  it('archives a message that does not parse raw, flagged, and still finds it by account', async () => {
    const archive = await PostgresArchive.open(await database('garbage'));
    try {
      const garbage = Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0a, 0x0a, 0x41]);
      const result = await archive.ingest('work', 'bad-1', garbage);
      const shown = await archive.show(result.id);
      assert.ok(shown?.parseError);
      assert.deepEqual(await archive.raw(result.id), garbage);
      assert.deepEqual(
        (await archive.search(parseQuery('account:work'))).map((r) => r.id),
        [result.id],
      );
      assert.deepEqual(await archive.search(parseQuery('before:2100-01-01')), []);
    } finally {
      await archive.close();
    }
  });

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
