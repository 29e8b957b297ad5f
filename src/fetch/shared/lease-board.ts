/**
 * The accounts that workers share through one PostgreSQL: who holds each account (a lease),
 * when it was last polled, and its retrieval state (the rows of StateStore), so that any
 * worker on any machine can take over any account.
 *
 * Claiming is `SELECT ... FOR UPDATE SKIP LOCKED` on the account's row: two workers asking at
 * once never get the same account, and neither waits for the other. A lease lasts `leaseMs`
 * by the database's clock and is renewed by its holder; a worker that dies (SIGKILL, power
 * cut, lost network) stops renewing, its lease runs out and the next worker to ask takes the
 * account over. Every lease has a fresh token; renewing, saving state and releasing all
 * check it, so a worker that lost its lease (it stalled past the expiry) can change nothing.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { inTransaction, migrate, openPool } from '../../archive/pg-database.js';
import type { MessageStatus, StateRow } from '../state-store.js';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE fetch_accounts (
     account         TEXT PRIMARY KEY,
     owner           TEXT,
     token           TEXT,
     claimed_at      TIMESTAMPTZ,
     expires_at      TIMESTAMPTZ,
     last_started_at TIMESTAMPTZ,
     last_ended_at   TIMESTAMPTZ,
     last_error      TEXT,
     next_poll_at    TIMESTAMPTZ,
     claims          INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE fetch_state (
     account    TEXT NOT NULL REFERENCES fetch_accounts(account),
     uid        TEXT NOT NULL,
     first_seen BIGINT NOT NULL,
     status     TEXT NOT NULL CHECK (status IN ('new', 'pending', 'delivered', 'discarded')),
     pending    TEXT,
     location   TEXT,
     done_at    BIGINT,
     PRIMARY KEY (account, uid)
   );`,
];

/** Distinct from the archive's migration lock: the two schemas may share a database. */
const MIGRATION_LOCK = 0x706f7033_5f66;

export interface Lease {
  readonly account: string;
  readonly token: string;
  /** The worker whose lease had run out when this one was granted (it died or stalled). */
  readonly tookOverFrom: string | undefined;
}

export type Which =
  /** Accounts not polled since `since` (a time from `now()`): one round. */
  | { readonly kind: 'round'; readonly since: Date }
  /** Accounts whose next poll is due. */
  | { readonly kind: 'due' };

export class LeaseBoard {
  readonly #pool: pg.Pool;
  /** This worker, as shown to the others: host/pid/random. */
  readonly owner: string;

  private constructor(pool: pg.Pool, owner: string) {
    this.#pool = pool;
    this.owner = owner;
  }

  /** Connects, creates or upgrades the tables, and lists `accounts` (the config's) on the board. */
  static async open(url: string, owner: string, accounts: readonly string[]): Promise<LeaseBoard> {
    const pool = openPool(url, { max: 2, connectionTimeoutMillis: 15_000 });
    const board = new LeaseBoard(pool, owner);
    try {
      await migrate(pool, {
        name: 'worker',
        versionTable: 'fetch_schema_version',
        lock: MIGRATION_LOCK,
        migrations: MIGRATIONS,
      });
      await pool.query(
        'INSERT INTO fetch_accounts (account) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING',
        [accounts],
      );
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
    return board;
  }

  /** The database's clock: leases and rounds are measured by it alone, never by a worker's. */
  async now(): Promise<Date> {
    return (await this.#pool.query('SELECT now() AS now')).rows[0].now as Date;
  }

  /**
   * Claims one of `accounts` that nobody holds (or whose holder's lease ran out) and that
   * `which` says is to be polled, least recently polled first; undefined when there is none.
   */
  async claim(accounts: readonly string[], which: Which, leaseMs: number): Promise<Lease | undefined> {
    const token = randomUUID();
    const { rows } = await this.#pool.query(
      `WITH candidate AS (
         SELECT account, owner AS previous_owner, expires_at AS previous_expiry FROM fetch_accounts
         WHERE account = ANY($1::text[])
           AND (expires_at IS NULL OR expires_at < now())
           AND CASE WHEN $2::timestamptz IS NULL THEN next_poll_at IS NULL OR next_poll_at <= now()
                    ELSE last_started_at IS NULL OR last_started_at < $2::timestamptz END
         ORDER BY last_started_at NULLS FIRST, account
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       UPDATE fetch_accounts a
       SET owner = $3, token = $4, claimed_at = now(),
           expires_at = now() + $5::double precision * interval '1 millisecond', claims = claims + 1
       FROM candidate WHERE a.account = candidate.account
       RETURNING a.account, candidate.previous_owner, candidate.previous_expiry`,
      [accounts, which.kind === 'round' ? which.since : null, this.owner, token, leaseMs],
    );
    const row = rows[0] as
      | { account: string; previous_owner: string | null; previous_expiry: Date | null }
      | undefined;
    if (row === undefined) return undefined;
    // A released lease has no owner; one still named here ran out without being released.
    const tookOverFrom = row.previous_expiry !== null ? (row.previous_owner ?? undefined) : undefined;
    return { account: row.account, token, tookOverFrom };
  }

  /** Extends the lease by `leaseMs` from now; false when it is no longer this worker's. */
  async renew(lease: Lease, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      `UPDATE fetch_accounts SET expires_at = now() + $3::double precision * interval '1 millisecond'
       WHERE account = $1 AND token = $2`,
      [lease.account, lease.token, leaseMs],
    );
    return rowCount === 1;
  }

  /** How many of `accounts` have not been polled since `since` (a round still to finish). */
  async unpolled(accounts: readonly string[], since: Date): Promise<number> {
    const { rows } = await this.#pool.query(
      `SELECT count(*)::int AS n FROM fetch_accounts
       WHERE account = ANY($1::text[]) AND (last_started_at IS NULL OR last_started_at < $2)`,
      [accounts, since],
    );
    return (rows[0] as { n: number }).n;
  }

  /** Milliseconds until the next of `accounts` falls due or a lease runs out, by the
   * database's clock (negative when one already has; undefined when none will). */
  async msUntilNextChange(accounts: readonly string[]): Promise<number | undefined> {
    const { rows } = await this.#pool.query(
      `SELECT extract(epoch FROM min(CASE WHEN expires_at IS NOT NULL THEN expires_at ELSE next_poll_at END)
                                 - now()) * 1000 AS ms
       FROM fetch_accounts WHERE account = ANY($1::text[])`,
      [accounts],
    );
    const ms = (rows[0] as { ms: string | number | null }).ms;
    return ms === null ? undefined : Number(ms);
  }

  /** The account's retrieval state as the last worker to poll it left it. */
  async loadState(account: string): Promise<StateRow[]> {
    const { rows } = await this.#pool.query(
      `SELECT uid, first_seen, status, pending, location, done_at FROM fetch_state WHERE account = $1`,
      [account],
    );
    return rows.map((r) => ({
      uid: r.uid as string,
      firstSeen: Number(r.first_seen),
      status: r.status as MessageStatus,
      pending: r.pending as string | null,
      location: r.location as string | null,
      doneAt: r.done_at === null ? null : Number(r.done_at),
    }));
  }

  /**
   * Ends the lease: stores the account's state (when given) and when the poll started and
   * ended, in one transaction, and only while the lease is still this worker's.
   * @returns false when the lease had been taken over: nothing was written.
   */
  async release(
    lease: Lease,
    outcome: { state: readonly StateRow[] | undefined; error: string | undefined; nextPollMs: number },
  ): Promise<boolean> {
    // A lease taken over (another token) ends the transaction early: nothing written.
    return inTransaction(this.#pool, async (client) => {
      const held = await client.query(
        'SELECT 1 FROM fetch_accounts WHERE account = $1 AND token = $2 FOR UPDATE',
        [lease.account, lease.token],
      );
      if (held.rowCount !== 1) return false;
      if (outcome.state !== undefined) {
        const s = outcome.state;
        await client.query('DELETE FROM fetch_state WHERE account = $1', [lease.account]);
        await client.query(
          `INSERT INTO fetch_state (account, uid, first_seen, status, pending, location, done_at)
           SELECT $1, * FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[])`,
          [
            lease.account,
            s.map((r) => r.uid),
            s.map((r) => r.firstSeen),
            s.map((r) => r.status),
            s.map((r) => r.pending),
            s.map((r) => r.location),
            s.map((r) => r.doneAt),
          ],
        );
      }
      await client.query(
        `UPDATE fetch_accounts
         SET owner = NULL, token = NULL, expires_at = NULL, last_started_at = claimed_at,
             last_ended_at = now(), last_error = $2,
             next_poll_at = now() + $3::double precision * interval '1 millisecond'
         WHERE account = $1`,
        [lease.account, outcome.error ?? null, outcome.nextPollMs],
      );
      return true;
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
