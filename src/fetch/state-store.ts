/**
 * Per-account retrieval state in SQLite (better-sqlite3): every UID seen with its first-seen
 * time and delivery status. WAL with synchronous=FULL, so a committed transaction survives a
 * power cut; a delivery is recorded as 'pending' (with what it takes to recognise it) before
 * it starts and as 'delivered' after, which is what makes crash recovery exact.
 */
import Database from 'better-sqlite3';
import type { PendingDelivery } from './pending.js';

/** Bumped with every schema change; older files are migrated in `migrate`. */
export const SCHEMA_VERSION = 1;

/** 'new': seen, not (yet) delivered. 'pending': a delivery was started. 'discarded': a filter
 * or the size policy decided it is never to be delivered. */
export type MessageStatus = 'new' | 'pending' | 'delivered' | 'discarded';

export interface StateEntry {
  readonly uid: string;
  /** ms since the epoch. */
  readonly firstSeen: number;
  readonly status: MessageStatus;
  readonly pending: PendingDelivery | undefined;
}

export class StateFileError extends Error {
  readonly code = 'POP3KIT_STATE';
}

/** A row of the state as stored, for moving an account's state between stores (src/fetch/shared). */
export interface StateRow {
  readonly uid: string;
  readonly firstSeen: number;
  readonly status: MessageStatus;
  /** PendingDelivery as JSON. */
  readonly pending: string | null;
  readonly location: string | null;
  readonly doneAt: number | null;
}

interface Row {
  uid: string;
  first_seen: number;
  status: MessageStatus;
  pending: string | null;
}

const SCHEMA_V1 = `
  CREATE TABLE messages (
    account    TEXT NOT NULL,
    uid        TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('new', 'pending', 'delivered', 'discarded')),
    pending    TEXT,
    location   TEXT,
    done_at    INTEGER,
    PRIMARY KEY (account, uid)
  ) WITHOUT ROWID;
`;

export class StateStore {
  readonly #db: Database.Database;
  readonly #account: string;
  readonly #statements;

  private constructor(db: Database.Database, account: string) {
    this.#db = db;
    this.#account = account;
    this.#statements = {
      all: db.prepare<[string], Row>(
        'SELECT uid, first_seen, status, pending FROM messages WHERE account = ?',
      ),
      seen: db.prepare(
        'INSERT INTO messages (account, uid, first_seen, status) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      pending: db.prepare(
        `INSERT INTO messages (account, uid, first_seen, status, pending) VALUES (?, ?, ?, 'pending', ?)
         ON CONFLICT DO UPDATE SET status = 'pending', pending = excluded.pending`,
      ),
      done: db.prepare(
        `INSERT INTO messages (account, uid, first_seen, status, location, done_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET status = excluded.status, pending = NULL,
           location = excluded.location, done_at = excluded.done_at`,
      ),
      reset: db.prepare(
        "UPDATE messages SET status = 'new', pending = NULL WHERE account = ? AND uid = ? AND status = 'pending'",
      ),
      forget: db.prepare('DELETE FROM messages WHERE account = ? AND uid = ?'),
      rows: db.prepare<[string], StateRow>(
        `SELECT uid, first_seen AS firstSeen, status, pending, location, done_at AS doneAt
         FROM messages WHERE account = ?`,
      ),
      restore: db.prepare(
        `INSERT OR REPLACE INTO messages (account, uid, first_seen, status, pending, location, done_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /**
   * Opens (creating if needed) the state file. `readOnly` (dry runs) never creates or writes.
   * @throws StateFileError when the file is not a state file or is from a newer pop3kit.
   */
  static open(path: string, account: string, options: { readOnly?: boolean } = {}): StateStore {
    let db: Database.Database;
    try {
      if (options.readOnly) {
        db = new Database(path, { readonly: true, fileMustExist: true });
      } else {
        db = new Database(path, { timeout: 5000 });
        db.pragma('journal_mode = WAL');
        // FULL: the WAL is fsynced at every commit, so "delivered" is durable before any DELE.
        db.pragma('synchronous = FULL');
        migrate(db, path);
      }
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version !== SCHEMA_VERSION) {
        throw new StateFileError(
          `${path}: state schema version ${version}, this pop3kit reads ${SCHEMA_VERSION}`,
        );
      }
    } catch (error) {
      if (error instanceof StateFileError) throw error;
      throw new StateFileError(`cannot open state file ${path}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return new StateStore(db, account);
  }

  entries(): Map<string, StateEntry> {
    const entries = new Map<string, StateEntry>();
    for (const row of this.#statements.all.all(this.#account)) {
      entries.set(row.uid, {
        uid: row.uid,
        firstSeen: row.first_seen,
        status: row.status,
        pending: row.pending === null ? undefined : (JSON.parse(row.pending) as PendingDelivery),
      });
    }
    return entries;
  }

  /** Remembers first sight of these UIDs (those already known keep their time). */
  recordSeen(uids: readonly string[], now: number): void {
    this.#transaction(() => {
      for (const uid of uids) this.#statements.seen.run(this.#account, uid, now, 'new');
    });
  }

  /** Before delivering: enough to recognise each delivery after a crash. */
  markPending(items: readonly { uid: string; pending: PendingDelivery }[], now: number): void {
    this.#transaction(() => {
      for (const { uid, pending } of items) {
        this.#statements.pending.run(this.#account, uid, now, JSON.stringify(pending));
      }
    });
  }

  markDone(
    items: readonly { uid: string; status: 'delivered' | 'discarded'; location?: string }[],
    now: number,
  ): void {
    this.#transaction(() => {
      for (const { uid, status, location } of items) {
        this.#statements.done.run(this.#account, uid, now, status, location ?? null, now);
      }
    });
  }

  /** A pending delivery that did not happen: the message is new again. */
  resetPending(uids: readonly string[]): void {
    this.#transaction(() => {
      for (const uid of uids) this.#statements.reset.run(this.#account, uid);
    });
  }

  forget(uids: readonly string[]): void {
    this.#transaction(() => {
      for (const uid of uids) this.#statements.forget.run(this.#account, uid);
    });
  }

  /** Every row of the account, as stored. */
  rows(): StateRow[] {
    return this.#statements.rows.all(this.#account);
  }

  /** Writes rows as they are (their times and statuses kept): the other half of `rows()`. */
  restore(rows: readonly StateRow[]): void {
    this.#transaction(() => {
      for (const r of rows)
        this.#statements.restore.run(
          this.#account,
          r.uid,
          r.firstSeen,
          r.status,
          r.pending,
          r.location,
          r.doneAt,
        );
    });
  }

  close(): void {
    this.#db.close();
  }

  #transaction(body: () => void): void {
    try {
      this.#db.transaction(body).immediate();
    } catch (error) {
      throw new StateFileError(`cannot write the state file: ${(error as Error).message}`, { cause: error });
    }
  }
}

function migrate(db: Database.Database, path: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new StateFileError(`${path} was written by a newer pop3kit (schema ${version})`);
    }
    if (version === 0) {
      db.exec(SCHEMA_V1);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
  }).immediate();
}
