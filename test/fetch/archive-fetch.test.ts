// `--to archive:sqlite:FILE` in the retriever: exactly once across reruns, the same content
// from two accounts stored once, and a delivery interrupted between the archive's commit and
// the state's "delivered" mark settled (or re-ingested) without duplicates.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { parseQuery } from '../../src/archive/query.js';
import { SqliteArchive } from '../../src/archive/sqlite-archive.js';
import { ArchiveWriter, settleArchive } from '../../src/fetch/archive-writer.js';
import { fetchAccount, runFetch } from '../../src/fetch/fetch-account.js';
import { nodeFs } from '../../src/fetch/fs-layer.js';
import { ledgerFor, recoverPending } from '../../src/fetch/recovery.js';
import { Report } from '../../src/fetch/report.js';
import { StateStore } from '../../src/fetch/state-store.js';
import type { Destination, MessageEvent } from '../../src/fetch/types.js';
import type { Delivered } from '../../src/fetch/writer.js';
import { accountFor, makeMessages, sha, startServer, type TestServer, tempDir } from './support.js';

const withArchive = <T>(path: string, use: (archive: SqliteArchive) => T): T => {
  const archive = SqliteArchive.open(path);
  try {
    return use(archive);
  } finally {
    archive.close();
  }
};

/** Every archived message's raw bytes, by SHA-256. */
const archivedHashes = (path: string): string[] =>
  withArchive(path, (a) => a.search({ terms: [] }).map((row) => sha(a.raw(row.id)!))).sort();

describe('fetch into the SQLite archive', () => {
  const source = makeMessages(40, 'arch');
  let server: TestServer;
  let dir: string;
  let archivePath: string;
  let destination: Destination;

  before(async () => {
    server = await startServer({ alice: source, bob: source.slice(0, 10) });
  });
  after(() => server.close());
  beforeEach(() => {
    dir = tempDir('pop3kit-archive-');
    archivePath = join(dir, 'archive.sqlite');
    destination = { kind: 'archive', store: 'sqlite', path: archivePath };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('archives every message once, as retrieved, and nothing again on a rerun', async () => {
    const account = accountFor(server.port, 'alice', dir, { destination });
    const events: MessageEvent[] = [];
    const first = await fetchAccount(account, { events: { onMessage: (e) => events.push(e) } });
    assert.equal(first.delivered, 40);
    assert.ok(events.every((e) => e.location?.startsWith(`${archivePath}#`)));
    const stats = withArchive(archivePath, (a) => a.stats());
    assert.deepEqual([stats.messages, stats.locations, stats.blobs], [40, 40, 40]);
    // The bytes are the server's (CRLF, dot-unstuffed), not the LF form Maildir gets.
    const expected = source.map((m) => sha(Buffer.from(m))).sort();
    assert.deepEqual(archivedHashes(archivePath), expected);

    const second = await fetchAccount(account);
    assert.equal(second.delivered, 0);
    assert.equal(
      withArchive(archivePath, (a) => a.stats().locations),
      40,
    );
    const hits = withArchive(archivePath, (a) => a.search(parseQuery('subject:"arch message 7"')));
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.account, 'alice@127.0.0.1');
  });

  it('stores content fetched from two accounts once, with both locations', async () => {
    await fetchAccount(accountFor(server.port, 'alice', dir, { destination }));
    await fetchAccount(
      accountFor(server.port, 'bob', dir, { destination, statePath: join(dir, 'bob.sqlite') }),
    );
    const stats = withArchive(archivePath, (a) => a.stats());
    assert.deepEqual([stats.messages, stats.locations, stats.blobs], [40, 50, 40]);
    const shared = withArchive(archivePath, (a) => a.search(parseQuery('account:bob@127.0.0.1')));
    assert.equal(shared.length, 10);
    assert.ok(shared.every((row) => row.accounts.length === 2));
  });

  it('settles a delivery committed to the archive but not marked delivered, without refetching', async () => {
    const account = accountFor(server.port, 'alice', dir, { destination });
    const store = StateStore.open(account.statePath, account.name);
    const ledger = ledgerFor(store, Date.now);
    // The process "dies" right after the archive commits: markDelivered never happens.
    const crashing = { ...ledger, markDelivered: () => assert.fail('killed before the mark') };
    const writer = new ArchiveWriter(archivePath, account.name, crashing);
    const data = source.slice(0, 3).map((m, i) => ({ uid: `arch.${i}`, data: Buffer.from(m) }));
    await assert.rejects(writer.deliver(data));
    // Also one recorded pending whose transaction never committed.
    ledger.markPending([
      { uid: 'never', pending: { kind: 'archive', path: archivePath, account: account.name } },
    ]);
    const pending = [...store.entries().values()].filter((e) => e.status === 'pending');
    assert.equal(pending.length, 4);
    assert.ok(pending.every((e) => e.pending?.kind === 'archive'));

    const report = new Report(account.name);
    const locations: string[] = [];
    const spying = {
      ...ledger,
      markDelivered: (items: readonly Delivered[]) => {
        locations.push(...items.map((d) => d.location));
        ledger.markDelivered(items);
      },
    };
    assert.equal(await recoverPending(store, nodeFs, spying, join(dir, 'spool'), report), 4);
    const entries = store.entries();
    for (let i = 0; i < 3; i++) assert.equal(entries.get(`arch.${i}`)?.status, 'delivered');
    assert.equal(locations.length, 3);
    for (const location of locations) assert.match(location, /archive\.sqlite#\d+$/);
    assert.equal(
      withArchive(archivePath, (a) => a.stats().locations),
      3,
    );
    assert.equal(entries.get('never')?.status, 'new');
    assert.equal(report.summary().recovered, 4);
    store.close();
  });

  it('re-ingests harmlessly when the state lost the mark: no duplicate, every message delivered', async () => {
    const account = accountFor(server.port, 'alice', dir, { destination });
    await fetchAccount(account);
    // The state file is gone (or the run died between commit and mark for every message).
    fs.rmSync(account.statePath);
    const again = await fetchAccount(account);
    assert.equal(again.delivered, 40, 'the state records them all as delivered');
    const stats = withArchive(archivePath, (a) => a.stats());
    assert.deepEqual([stats.messages, stats.locations, stats.blobs], [40, 40, 40]);
    assert.equal((await fetchAccount(account)).delivered, 0);
  });

  it('treats a pending delivery into a missing archive as not done', () => {
    const calls: string[] = [];
    const settled = settleArchive(
      [{ uid: 'u1', pending: { kind: 'archive', path: join(dir, 'missing.sqlite'), account: 'a' } }],
      {
        markPending: () => calls.push('pending'),
        markDelivered: () => calls.push('delivered'),
        resetPending: (uids) => calls.push(`reset ${uids.join(',')}`),
      },
    );
    assert.deepEqual(settled.redeliver, ['u1']);
    assert.deepEqual(calls, ['reset u1']);
    assert.equal(fs.existsSync(join(dir, 'missing.sqlite')), false, 'settling creates no archive');
  });

  it('archives a message big enough to stream, byte for byte', async () => {
    const big = `From: Big <big@example.org>\r\nSubject: big one\r\n\r\n${'x'.repeat(70)}\r\n`.repeat(2000);
    const bigServer = await startServer({ carol: [big] });
    try {
      const account = accountFor(bigServer.port, 'carol', dir, { destination });
      const summary = await runFetch(account, {}, { streamAbove: 1024 });
      assert.equal(summary.delivered, 1);
      assert.deepEqual(archivedHashes(archivePath), [sha(Buffer.from(big))]);
    } finally {
      await bigServer.close();
    }
  });
});
