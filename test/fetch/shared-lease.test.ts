// The lease board of shared workers (src/fetch/shared) against a private PostgreSQL: claims
// are exclusive under concurrency, a lease that runs out is taken over, the worker that lost
// it can change nothing, and the keeper aborts a fetch before its lease can run out.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Lease, LeaseBoard } from '../../src/fetch/shared/lease-board.js';
import { keepLease, LeaseLostError } from '../../src/fetch/shared/lease-keeper.js';
import { type StateRow, StateStore } from '../../src/fetch/state-store.js';
import { type PrivatePostgres, postgresSkipReason, startPostgres } from '../helpers/postgres.js';

const ACCOUNTS = ['a', 'b', 'c', 'd', 'e'];
const ROWS: StateRow[] = [
  { uid: 'u1', firstSeen: 1000, status: 'delivered', pending: null, location: 'x#1', doneAt: 2000 },
  { uid: 'u2', firstSeen: 1500, status: 'new', pending: null, location: null, doneAt: null },
  {
    uid: 'u3',
    firstSeen: 1600,
    status: 'pending',
    pending: '{"kind":"mda","command":"cat"}',
    location: null,
    doneAt: null,
  },
];

describe('LeaseBoard', { skip: postgresSkipReason() }, () => {
  let postgres: PrivatePostgres;
  let n = 0;
  const fresh = async () => postgres.createDatabase(`leases${++n}`);

  before(async () => {
    postgres = (await startPostgres())!;
  });
  after(async () => {
    await postgres?.stop();
  });

  it('grants each account to one worker at a time, however many ask at once', async () => {
    const url = await fresh();
    const boards = await Promise.all(['w1', 'w2', 'w3'].map((w) => LeaseBoard.open(url, w, ACCOUNTS)));
    try {
      const since = await boards[0]!.now();
      const asks = boards.flatMap((b) =>
        Array.from({ length: 4 }, () => b.claim(ACCOUNTS, { kind: 'round', since }, 60_000)),
      );
      const granted = (await Promise.all(asks)).filter((l): l is Lease => l !== undefined);
      assert.deepEqual(granted.map((l) => l.account).sort(), ACCOUNTS);
      assert.equal(new Set(granted.map((l) => l.token)).size, ACCOUNTS.length);
      assert.ok(granted.every((l) => l.tookOverFrom === undefined));
      assert.equal(await boards[0]!.claim(ACCOUNTS, { kind: 'round', since }, 60_000), undefined);
    } finally {
      await Promise.all(boards.map((b) => b.close()));
    }
  });

  it('hands over an account whose lease ran out; the old holder can no longer renew or save', async () => {
    const url = await fresh();
    const dead = await LeaseBoard.open(url, 'dead', ['a']);
    const alive = await LeaseBoard.open(url, 'alive', ['a']);
    try {
      const since = await dead.now();
      const first = (await dead.claim(['a'], { kind: 'round', since }, 300))!;
      assert.ok(await dead.renew(first, 300));
      assert.equal(await alive.claim(['a'], { kind: 'round', since }, 60_000), undefined, 'still held');
      await sleep(400);
      const second = (await alive.claim(['a'], { kind: 'round', since }, 60_000))!;
      assert.equal(second.tookOverFrom, 'dead');
      assert.equal(await dead.renew(first, 300), false);
      assert.equal(await dead.release(first, { state: ROWS, error: undefined, nextPollMs: 0 }), false);
      assert.deepEqual(await alive.loadState('a'), [], 'the stale holder wrote nothing');
      assert.ok(await alive.release(second, { state: ROWS.slice(0, 1), error: undefined, nextPollMs: 0 }));
      assert.deepEqual(await alive.loadState('a'), ROWS.slice(0, 1));
    } finally {
      await dead.close();
      await alive.close();
    }
  });

  it('keeps the state between holders and polls each account once a round, or when due', async () => {
    const url = await fresh();
    const board = await LeaseBoard.open(url, 'w', ['a', 'b']);
    try {
      const since = await board.now();
      assert.equal(await board.unpolled(['a', 'b'], since), 2);
      const a = (await board.claim(['a', 'b'], { kind: 'round', since }, 60_000))!;
      assert.ok(await board.release(a, { state: ROWS, error: 'auth failed', nextPollMs: 60_000 }));
      assert.equal(await board.unpolled(['a', 'b'], since), 1, 'a failed poll counts as polled');
      const b = (await board.claim(['a', 'b'], { kind: 'round', since }, 60_000))!;
      assert.notEqual(b.account, a.account);
      assert.ok(await board.release(b, { state: [], error: undefined, nextPollMs: 200 }));
      assert.equal(await board.unpolled(['a', 'b'], since), 0);
      assert.equal(await board.claim(['a', 'b'], { kind: 'round', since }, 60_000), undefined);
      const sorted = (rows: StateRow[]) => [...rows].sort((x, y) => x.uid.localeCompare(y.uid));
      assert.deepEqual(sorted(await board.loadState(a.account)), ROWS);

      // Due mode: b (next poll in 200 ms) comes back, a (in a minute) does not.
      assert.equal(await board.claim(['a', 'b'], { kind: 'due' }, 60_000), undefined);
      await sleep(300);
      const again = await board.claim(['a', 'b'], { kind: 'due' }, 60_000);
      assert.equal(again?.account, b.account);
    } finally {
      await board.close();
    }
  });
});

describe('keepLease', () => {
  const lease: Lease = { account: 'a', token: 't', tookOverFrom: undefined };
  const boardWith = (renew: () => Promise<boolean>) => ({ renew }) as unknown as LeaseBoard;

  it('aborts before the lease can run out when renewals fail', async () => {
    const started = performance.now();
    const held = keepLease(
      boardWith(() => Promise.reject(new Error('connection refused'))),
      lease,
      2000,
      started,
    );
    await new Promise((resolve) => held.signal.addEventListener('abort', resolve, { once: true }));
    const elapsed = performance.now() - started;
    assert.ok(held.signal.reason instanceof LeaseLostError);
    assert.match(held.signal.reason.message, /could not renew it within 1600 ms/);
    assert.ok(
      elapsed >= 1600 && elapsed < 2000,
      `aborted after ${elapsed} ms, before the 2000 ms lease ends`,
    );
  });

  it('aborts at the first renewal that finds the lease taken over', async () => {
    const held = keepLease(
      boardWith(async () => false),
      lease,
      400,
      performance.now(),
    );
    await new Promise((resolve) => held.signal.addEventListener('abort', resolve, { once: true }));
    assert.match((held.signal.reason as Error).message, /another worker holds it now/);
  });

  it('goes on for as long as renewals succeed', async () => {
    let renewals = 0;
    const held = keepLease(
      boardWith(async () => {
        renewals++;
        return true;
      }),
      lease,
      200,
      performance.now(),
    );
    await sleep(700);
    held.stop();
    assert.equal(held.signal.aborted, false);
    assert.ok(renewals >= 10, `${renewals} renewals`);
  });
});

describe('StateStore rows() and restore()', () => {
  it('moves an account state between files unchanged', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pop3kit-rows-'));
    try {
      const one = StateStore.open(join(dir, 'one.sqlite'), 'acct');
      one.restore(ROWS);
      const rows = one.rows();
      one.close();
      const two = StateStore.open(join(dir, 'two.sqlite'), 'acct');
      two.restore(rows);
      assert.deepEqual(
        [...two.rows()].sort((x, y) => x.uid.localeCompare(y.uid)),
        ROWS,
      );
      assert.equal(two.entries().get('u3')?.pending?.kind, 'mda');
      two.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
