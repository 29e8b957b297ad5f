// Issue 6's fault tests: a connection dropped mid-message, -ERR on RETR, a full disk and a
// failing MDA each end with a clear error (or a partial summary), and nothing is lost: a
// rerun delivers everything exactly once.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { runFetch } from '../../src/fetch/fetch-account.js';
import type { DeliveryFile, DeliveryFs } from '../../src/fetch/fs-layer.js';
import { nodeFs } from '../../src/fetch/fs-layer.js';
import { FetchError, fetchAccount } from '../../src/fetch/index.js';
import { StateStore } from '../../src/fetch/state-store.js';
import type { AccountConfig } from '../../src/fetch/types.js';
import type { MessageRequest } from '../../src/server/index.js';
import {
  accountFor,
  compareDelivered,
  maildirMessages,
  makeMessages,
  mboxMessages,
  startServer,
  type TestServer,
  tempDir,
} from './support.js';

let server: TestServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  server = undefined;
  dir = undefined;
});

async function failure(promise: Promise<unknown>): Promise<FetchError> {
  const error = await promise.then(
    () => assert.fail('expected the fetch to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof FetchError, `expected a FetchError, got ${String(error)}`);
  return error;
}

/** A disk that fills up: writes succeed until `capacity` octets, then fail with ENOSPC. */
function fullDisk(capacity: number): DeliveryFs {
  let used = 0;
  const wrap = (file: DeliveryFile): DeliveryFile => ({
    ...file,
    write: async (data, position) => {
      used += data.length;
      if (used > capacity) {
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
          code: 'ENOSPC',
          errno: -28,
        });
      }
      return file.write(data, position);
    },
    read: (length, position) => file.read(length, position),
    sync: () => file.sync(),
    truncate: (length) => file.truncate(length),
    size: () => file.size(),
    close: () => file.close(),
  });
  return { ...nodeFs, open: async (path, mode) => wrap(await nodeFs.open(path, mode)) };
}

function pendingCount(account: AccountConfig): number {
  const store = StateStore.open(account.statePath, account.name, { readOnly: true });
  try {
    return [...store.entries().values()].filter((e) => e.status === 'pending').length;
  } finally {
    store.close();
  }
}

const destinations = (d: string) =>
  [
    { kind: 'maildir', path: join(d, 'Maildir') },
    { kind: 'mbox', path: join(d, 'inbox.mbox') },
  ] as const;

const readBack = (destination: { kind: 'maildir' | 'mbox'; path: string }) =>
  destination.kind === 'maildir' ? maildirMessages(destination.path) : mboxMessages(destination.path);

describe('faults: each ends clearly and loses nothing', () => {
  it('connection dropped mid-message: kind network, the rest comes on the next run', async () => {
    const source = makeMessages(40);
    const sizeOfFirst20 = source.slice(0, 20).reduce((sum, m) => sum + Buffer.byteLength(m) + 40, 0);
    let sessions = 0;
    // Only the first session is cut, part way into the message stream.
    server = await startServer(
      { alice: source },
      { faults: () => (++sessions === 1 ? { cutAfterBytes: 2000 + sizeOfFirst20 } : undefined) },
    );
    dir = tempDir();
    const account = accountFor(server.port, 'alice', dir, { deletePolicy: { kind: 'after-delivery' } });
    const error = await failure(runFetch(account, {}, { batchMessages: 8 }));
    assert.equal(error.kind, 'network');
    assert.ok(
      error.summary.delivered > 0 && error.summary.delivered < 40,
      `${error.summary.delivered} delivered`,
    );
    assert.equal(error.summary.deleted, 0, 'no QUIT, so nothing deleted');
    assert.equal(server.store.messages('alice').length, 40);
    const rerun = await fetchAccount(account);
    assert.equal(rerun.delivered, 40 - error.summary.delivered);
    assert.deepEqual(compareDelivered(source, maildirMessages(join(dir, 'Maildir'))), {
      lost: [],
      duplicates: [],
      unexpected: [],
    });
    assert.equal(server.store.messages('alice').length, 0);
  });

  it('-ERR on RETR fails that message only; the run is partial and the next one gets it', async () => {
    const source = makeMessages(10);
    let refuse = true;
    const onRetrieve = (request: MessageRequest) => {
      if (refuse && request.msg === 4) throw new Error('[SYS/TEMP] message 4 is being scanned');
    };
    server = await startServer({ alice: source }, { onRetrieve });
    dir = tempDir();
    const account = accountFor(server.port, 'alice', dir, { deletePolicy: { kind: 'after-delivery' } });
    const partial = await fetchAccount(account);
    assert.deepEqual([partial.delivered, partial.failed], [9, 1]);
    assert.match(partial.failures[0]!.reason, /being scanned/);
    assert.deepEqual(
      server.store.messages('alice').map((m) => m.body.toString()),
      [source[3]],
      'the failed one stays on the server',
    );
    refuse = false;
    assert.equal((await fetchAccount(account)).delivered, 1);
    assert.deepEqual(compareDelivered(source, maildirMessages(join(dir, 'Maildir'))).duplicates, []);
    assert.equal(maildirMessages(join(dir, 'Maildir')).length, 10);
  });

  it('-ERR on every RETR: all fail, nothing is recorded as delivered', async () => {
    server = await startServer(
      { alice: makeMessages(3) },
      { faults: { failCommands: { RETR: '[SYS/TEMP] later' } } },
    );
    dir = tempDir();
    const summary = await fetchAccount(accountFor(server.port, 'alice', dir));
    assert.deepEqual([summary.delivered, summary.failed], [0, 3]);
  });

  for (const kind of ['maildir', 'mbox'] as const) {
    it(`disk full while writing into ${kind}: kind delivery, nothing half-written, a rerun completes`, async () => {
      const source = makeMessages(30);
      server = await startServer({ alice: source });
      dir = tempDir();
      const destination = destinations(dir).find((d) => d.kind === kind)!;
      const account = accountFor(server.port, 'alice', dir, {
        destination,
        deletePolicy: { kind: 'after-delivery' },
      });
      const error = await failure(runFetch(account, {}, { fs: fullDisk(6000), batchMessages: 4 }));
      assert.equal(error.kind, 'delivery');
      assert.match(error.message, /ENOSPC/);
      const delivered = error.summary.delivered;
      assert.ok(delivered < 30);
      assert.equal(readBack(destination).length, delivered, 'only what was recorded is on disk');
      assert.equal(pendingCount(account), 0, 'nothing left pending');
      if (kind === 'maildir')
        assert.deepEqual(fs.readdirSync(join(destination.path, 'tmp')), [], 'tmp/ cleaned');
      // What was delivered before the disk filled up may go; the rest stays on the server.
      assert.equal(server.store.messages('alice').length, 30 - delivered);
      const rerun = await fetchAccount(account);
      assert.equal(rerun.delivered, 30 - delivered);
      assert.deepEqual(compareDelivered(source, readBack(destination)), {
        lost: [],
        duplicates: [],
        unexpected: [],
      });
    });
  }

  it('an MDA that fails (exit 3): kind delivery, nothing deleted, a rerun with a working MDA delivers all', async () => {
    const source = makeMessages(6);
    server = await startServer({ alice: source });
    dir = tempDir();
    const out = join(dir, 'out');
    fs.mkdirSync(out);
    const account = accountFor(server.port, 'alice', dir, { deletePolicy: { kind: 'after-delivery' } });
    // Delivers three, then fails from the fourth on.
    const flaky = `n=$(ls "${out}" | wc -l); [ "$n" -ge 3 ] && { echo "quota exceeded" >&2; exit 3; }; cat > "${out}/$POP3KIT_UID"`;
    const error = await failure(fetchAccount({ ...account, destination: { kind: 'mda', command: flaky } }));
    assert.equal(error.kind, 'delivery');
    assert.match(error.message, /exit status 3: quota exceeded/);
    assert.equal(error.summary.delivered, 3);
    assert.equal(server.store.messages('alice').length, 3, 'only the delivered ones were deleted');
    const working = `cat > "${out}/$POP3KIT_UID"`;
    assert.equal(
      (await fetchAccount({ ...account, destination: { kind: 'mda', command: working } })).delivered,
      3,
    );
    const delivered = fs.readdirSync(out).map((name) => fs.readFileSync(join(out, name)));
    assert.deepEqual(compareDelivered(source, delivered), { lost: [], duplicates: [], unexpected: [] });
  });
});

describe('abort', () => {
  it('ends with kind aborted, keeps what was received, deletes nothing; a rerun completes exactly once', async () => {
    const source = makeMessages(300);
    // Slow replies, so the abort lands in the middle of the retrieval.
    server = await startServer({ alice: source }, { faults: { delayReply: { RETR: 2 } } });
    dir = tempDir();
    const account = accountFor(server.port, 'alice', dir, { deletePolicy: { kind: 'after-delivery' } });
    const controller = new AbortController();
    let seen = 0;
    const events = { onProgress: () => (++seen === 20 ? controller.abort() : undefined) };
    const error = await failure(
      runFetch(account, { signal: controller.signal, events }, { batchMessages: 8 }),
    );
    assert.equal(error.kind, 'aborted');
    assert.ok(error.summary.delivered >= 20, 'messages received in full before the abort are delivered');
    assert.equal(error.summary.deleted, 0);
    assert.equal(server.store.messages('alice').length, 300);
    await server.close();
    server = await startServer({ alice: source });
    const rerun = await fetchAccount({ ...account, port: server.port });
    assert.equal(rerun.delivered, 300 - error.summary.delivered);
    assert.deepEqual(compareDelivered(source, maildirMessages(join(dir, 'Maildir'))), {
      lost: [],
      duplicates: [],
      unexpected: [],
    });
  });
});
