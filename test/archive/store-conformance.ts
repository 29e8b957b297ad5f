// What every archive store must do, checked the same way for SqliteArchive and PostgresArchive:
// call `archiveConformance` inside a store's describe(), after its before() has ingested the
// corpus. The right answers come from the independent oracle (search-oracle.ts), never from
// the archive's code. Store-specific checks (journal mode, query plans, concurrency across
// connections) stay in each store's own test file.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Archive } from '../../src/archive/archive.js';
import { parseQuery } from '../../src/archive/query.js';
import type { GenMessage } from './corpus.js';
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

export interface StoreUnderTest {
  /** The archive holding `corpus`, ingested in order (valid once the suite's before() ran). */
  readonly archive: () => Archive;
  /** An empty archive of this store, closed by the caller. */
  readonly fresh: (name: string) => Promise<Archive>;
}

/** Declares the shared tests (it()) in the current describe(). */
export function archiveConformance(corpus: readonly GenMessage[], store: StoreUnderTest): void {
  const expected = (query: string) => expectedIn(corpus, query);
  const search = async (query: string, options?: { limit?: number }) =>
    await store.archive().search(parseQuery(query), options);

  it('stores every message once, compressed, and gives back the exact bytes', async () => {
    const archive = store.archive();
    const stats = await archive.stats();
    assert.equal(stats.messages, corpus.length);
    assert.equal(stats.blobs, corpus.length);
    assert.equal(stats.locations, corpus.length);
    assert.equal(
      stats.rawBytes,
      corpus.reduce((sum, m) => sum + m.raw.length, 0),
    );
    assert.ok(stats.storedBytes < stats.rawBytes, `${stats.storedBytes} < ${stats.rawBytes}`);
    for (const row of await search('')) {
      const m = corpus.find((c) => c.messageId === row.messageId);
      assert.ok(m);
      assert.deepEqual(await archive.raw(row.id), m.raw);
    }
    assert.equal(await archive.raw(999_999), undefined);
    assert.equal(await archive.show(999_999), undefined);
  });

  it('decodes headers, charsets and encoded words, threads and attachments (show)', async () => {
    const ids = new Map((await search('')).map((r) => [r.messageId, r.id]));
    for (const m of corpus) {
      const shown = await store.archive().show(ids.get(m.messageId) as number);
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
      assert.deepEqual(
        (await search(query)).map((r) => r.messageId),
        expected(query),
      );
    });
  }

  for (const query of threadQueries(corpus)) {
    it(`search ${JSON.stringify(query)} finds the independently computed conversation`, async () => {
      assert.deepEqual(
        (await search(query)).map((r) => r.messageId),
        expected(query),
      );
    });
  }

  it('thread:ID (an archive id) finds the conversation of that message', async () => {
    const rows = await search('');
    const idOf = new Map(rows.map((r) => [r.messageId as string, r.id]));
    const archiveIds = new Map(rows.map((r) => [r.id, r.messageId as string]));
    const queries = threadIdQueries(corpus, idOf);
    assert.ok(queries.length > 20);
    for (const query of queries) {
      const got = (await search(query)).map((r) => r.messageId);
      assert.deepEqual(got, expectedIn(corpus, query, archiveIds), query);
    }
  });

  it('each row carries its thread: the lowest archive id of its conversation', async () => {
    const rows = await search('');
    const want = expectedThreadNumbers(corpus, new Map(rows.map((r) => [r.messageId as string, r.id])));
    for (const row of rows) assert.equal(row.thread, want.get(row.messageId as string), row.messageId ?? '');
    assert.ok(new Set(rows.map((r) => r.thread)).size < rows.length, 'some threads have several messages');
  });

  it('rows carry id, messageId, date, from, subject, account; limit keeps the newest', async () => {
    const all = await search('has:attachment');
    const top = await search('has:attachment', { limit: 5 });
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

  it('re-ingesting (account, uid) changes nothing', async () => {
    const archive = store.archive();
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
    const archive = store.archive();
    const m = corpus[3] as GenMessage;
    const beforeStats = await archive.stats();
    const first = (await search(`marker3 account:${m.account}`))[0];
    assert.ok(first);
    const result = await archive.ingest('elsewhere', 'x-1', m.raw);
    assert.equal(result.added, true);
    assert.equal(result.newContent, false);
    assert.equal(result.id, first.id);
    const stats = await archive.stats();
    assert.equal(stats.blobs, beforeStats.blobs);
    assert.equal(stats.messages, beforeStats.messages);
    assert.equal(stats.locations, beforeStats.locations + 1);
    const rows = await search('account:elsewhere');
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

  it('numbers threads at ingest: late parents, lost parents, merges, thread: by id and Message-ID', async () => {
    const archive = await store.fresh('thread_scenario');
    try {
      await checkThreadScenario(archive);
    } finally {
      await archive.close();
    }
  });

  it('archives a message that does not parse raw, flagged, and still finds it by account', async () => {
    const archive = await store.fresh('garbage');
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
}

/**
 * After a store's version-1 archive of `corpus` was migrated: every message threaded as the
 * oracle says, thread: queries answer right, and new mail threads into what the backfill built.
 */
export async function checkMigratedThreads(migrated: Archive, corpus: readonly GenMessage[]): Promise<void> {
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
  const reply = Buffer.from(
    `From: x@example.org\r\nSubject: late\r\nMessage-ID: <late@example.org>\r\nIn-Reply-To: ${corpus[0]?.messageId}\r\n\r\nlate\r\n`,
  );
  const late = await migrated.ingest('work', 'late', reply);
  const lateRow = (await migrated.search(parseQuery('thread:<late@example.org>'))).find(
    (r) => r.id === late.id,
  );
  assert.equal(lateRow?.thread, want.get(corpus[0]?.messageId as string));
}
