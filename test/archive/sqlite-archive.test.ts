// The SQLite archive against a generated corpus. The right answer of every search is computed
// here from the generated message objects (their own tokenizer, Intl for local days), never
// from the archive's code or its parse.
process.env.TZ = 'America/New_York'; // days are local: make local differ from UTC

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseQuery } from '../../src/archive/query.js';
import { SCHEMA_VERSION, SqliteArchive } from '../../src/archive/sqlite-archive.js';
import { type GenMessage, makeCorpus } from './corpus.js';
import { expected as expectedIn, person, searchQueries, tokens } from './search-oracle.js';

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
