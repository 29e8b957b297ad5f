/**
 * A shared worker: any number of them, on any number of machines, fetch one set of accounts
 * into one PostgreSQL archive. Each account is fetched by one worker at a time (a lease on
 * the LeaseBoard), its state travels through the database, and a worker that dies hands its
 * accounts over when its leases run out.
 *
 * The state is carried in a private SQLite file for the length of one lease, so the
 * retriever core runs unchanged: loaded from the board at the claim, saved back at the
 * release. A worker killed in between saves nothing, which is safe: what it archived is in
 * the archive (read back by `uidsOf` at the next claim, so not even fetched again), what it
 * did not archive is still on the server (it never sent QUIT after an unsaved DELE: DELE
 * comes only after delivery and QUIT commits it; a message deleted that way is gone from the
 * server and forgotten by the next run anyway), and first-seen times it learned are learned
 * again, later, so `--delete-after` can only wait longer, never delete early.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { redactUrl } from '../archive-url.js';
import { archiveLocation } from '../archive-writer.js';
import { type StateRow, StateStore } from '../state-store.js';
import type { AccountConfig } from '../types.js';
import { isSharedDestination } from './destination.js';
import { type Lease, LeaseBoard, type Which } from './lease-board.js';
import { keepLease } from './lease-keeper.js';

export { LeaseLostError } from './lease-keeper.js';

export interface SharedWorkerOptions {
  /** The PostgreSQL that holds the leases and the accounts' state (postgres://...). */
  readonly url: string;
  /** How long a lease lasts unless renewed: how soon a dead worker's accounts are taken
   * over. Default 60 s. */
  readonly leaseMs?: number;
  /** Poll every account every `intervalMs`, until `signal`. Without it, one round: every
   * account polled once (by this worker or another) after this worker started, then return. */
  readonly intervalMs?: number;
  /** Accounts fetched at once by this worker. Default 1. */
  readonly jobs?: number;
  /** Stops claiming; accounts in hand finish their message and are released. */
  readonly signal?: AbortSignal;
  /** Shown to the other workers (and in their takeover notices). Default host/pid/random. */
  readonly owner?: string;
  readonly events?: SharedWorkerEvents;
}

/** The shared database could not be reached or refused a query (the URL without password). */
export class SharedDatabaseError extends Error {
  readonly code = 'POP3KIT_SHARED_DATABASE';
  constructor(url: string, cause: unknown) {
    super(`the shared database ${redactUrl(url)}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

async function reach<T>(url: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new SharedDatabaseError(url, error);
  }
}

export interface SharedWorkerEvents {
  /** The database failed a query of a polling worker (--interval), which tries again. */
  onOutage?(event: { error: SharedDatabaseError }): void;
  /** This worker claimed `account` after `from`'s lease ran out (it died or stalled). */
  onTakeover?(event: { account: string; from: string }): void;
  /** The lease on `account` was taken over after this worker's fetch of it ended. */
  onLeaseLost?(event: { account: string }): void;
}

/** Fetches one account: the retriever run, given the account with a private state file, and a
 * signal that aborts when its lease is lost. `error` (for the board) when it failed. */
export type AccountWork<T> = (
  config: AccountConfig,
  signal: AbortSignal,
) => Promise<{ value: T; error?: string }>;

/**
 * Runs the worker until its round is done (or, with `intervalMs`, until `signal`); resolves to
 * what `work` returned for each account this worker fetched, in the order they ended.
 * @throws TypeError when an account does not deliver into a PostgreSQL archive: files on one
 *   machine cannot be shared with workers on others.
 */
export async function runSharedWorker<T>(
  accounts: readonly AccountConfig[],
  options: SharedWorkerOptions,
  work: AccountWork<T>,
): Promise<T[]> {
  for (const config of accounts)
    if (!isSharedDestination(config))
      throw new TypeError(
        `${config.name}: a shared worker delivers into a PostgreSQL archive (archive:postgres://...), ` +
          'which every worker can reach; files on one machine cannot be shared',
      );
  const leaseMs = options.leaseMs ?? 60_000;
  const owner = options.owner ?? `${hostname()}/${process.pid}/${Math.random().toString(36).slice(2, 8)}`;
  const byName = new Map(accounts.map((a) => [a.name, a]));
  const names = [...byName.keys()];
  const board = await reach(options.url, () => LeaseBoard.open(options.url, owner, names));
  const results: T[] = [];
  try {
    const since = await reach(options.url, () => board.now());
    const which: Which = options.intervalMs === undefined ? { kind: 'round', since } : { kind: 'due' };
    let outage = 0;
    const loop = async () => {
      while (!options.signal?.aborted) {
        const claimedAt = performance.now();
        try {
          const lease = await reach(options.url, () => board.claim(names, which, leaseMs));
          if (lease === undefined) {
            if (
              which.kind === 'round' &&
              (await reach(options.url, () => board.unpolled(names, since))) === 0
            )
              return;
            await reach(options.url, () => idle(board, names, leaseMs, options.signal));
          } else {
            if (lease.tookOverFrom !== undefined)
              options.events?.onTakeover?.({ account: lease.account, from: lease.tookOverFrom });
            const config = byName.get(lease.account)!;
            results.push(
              await fetchUnderLease(board, lease, config, { ...options, leaseMs }, claimedAt, work),
            );
          }
          outage = 0;
        } catch (error) {
          // One round ends here with the reason; a polling worker waits the outage out.
          if (!(error instanceof SharedDatabaseError) || which.kind === 'round') throw error;
          options.events?.onOutage?.({ error });
          outage = Math.min(outage + 1, 6);
          const pause = Math.min(250 * 2 ** outage, leaseMs);
          await sleep(pause, undefined, { signal: options.signal }).catch(() => {});
        }
      }
    };
    // Settled, not all: a loop that fails must not close the board under the others' fetches.
    const loops = Array.from({ length: Math.max(1, Math.min(options.jobs ?? 1, names.length)) }, loop);
    const failed = (await Promise.allSettled(loops)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    await board.close().catch(() => {});
  }
  return results;
}

/** Waits for a lease to run out or an account to fall due, but rechecks at least every second
 * or so (a release by another worker is not announced). */
async function idle(board: LeaseBoard, names: readonly string[], leaseMs: number, signal?: AbortSignal) {
  const wait = (await board.msUntilNextChange(names)) ?? 1000;
  await sleep(Math.max(50, Math.min(wait, 1000, leaseMs / 4)), undefined, { signal }).catch(() => {});
}

async function fetchUnderLease<T>(
  board: LeaseBoard,
  lease: Lease,
  config: AccountConfig,
  options: SharedWorkerOptions & { leaseMs: number },
  claimedAt: number,
  work: AccountWork<T>,
): Promise<T> {
  const held = keepLease(board, lease, options.leaseMs, claimedAt);
  const dir = await mkdtemp(join(tmpdir(), 'pop3kit-shared-'));
  const statePath = join(dir, 'state.sqlite');
  let state: StateRow[] | undefined;
  let outcome: { value: T; error?: string } | undefined;
  try {
    await reach(options.url, () => materializeState(board, config, statePath));
    const signal =
      options.signal === undefined ? held.signal : AbortSignal.any([options.signal, held.signal]);
    outcome = await work({ ...config, statePath }, signal);
    state = readState(statePath, config.name);
  } finally {
    held.stop();
    const released = await board
      .release(lease, {
        state,
        error: outcome === undefined ? 'the worker failed' : outcome.error,
        nextPollMs: options.intervalMs ?? 0,
      })
      .catch(() => false);
    if (!released) options.events?.onLeaseLost?.({ account: config.name });
    await rm(dir, { recursive: true, force: true });
  }
  return outcome.value;
}

/** The account's state from the board, plus every UID the archive already holds (archived by
 * a worker that died before it could save its state). */
async function materializeState(board: LeaseBoard, config: AccountConfig, statePath: string): Promise<void> {
  const rows = await board.loadState(config.name);
  const url = (config.destination as { path: string }).path;
  const { PostgresArchive } = await import('../../archive/postgres-archive.js');
  const archive = await PostgresArchive.open(url, { maxConnections: 1 });
  let archived: Map<string, number>;
  try {
    archived = await archive.uidsOf(config.name);
  } finally {
    await archive.close();
  }
  const now = Date.now();
  const known = new Map(rows.map((r) => [r.uid, r]));
  for (const [uid, id] of archived) {
    const row = known.get(uid);
    if (row?.status === 'delivered') continue;
    known.set(uid, {
      uid,
      firstSeen: row?.firstSeen ?? now,
      status: 'delivered',
      pending: null,
      location: archiveLocation(url, id, 'postgres'),
      doneAt: now,
    });
  }
  const store = StateStore.open(statePath, config.name);
  try {
    store.restore([...known.values()]);
  } finally {
    store.close();
  }
}

function readState(statePath: string, account: string): StateRow[] {
  const store = StateStore.open(statePath, account, { readOnly: true });
  try {
    return store.rows();
  } finally {
    store.close();
  }
}
