/**
 * One run per account at a time. Two runs of one account would both see a message as new
 * and deliver it twice, and one run's crash recovery would clean up the other's deliveries
 * in flight. The lock is SQLite's own exclusive file lock (fcntl on Unix, LockFileEx on
 * Windows) on a small side file: the kernel drops it when the process dies, even by SIGKILL,
 * so there is never a stale lock to break, which a pid file could not promise.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { StateFileError } from './state-store.js';

export class RunLockedError extends Error {
  readonly code = 'POP3KIT_RUN_LOCKED';
}

export function runLockPath(statePath: string, account: string): string {
  const tag = createHash('sha256').update(account).digest('hex').slice(0, 12);
  return `${statePath}.${tag}.lock`;
}

/** Takes the account's lock or throws RunLockedError at once; returns the release function. */
export function acquireRunLock(statePath: string, account: string): () => void {
  const path = runLockPath(statePath, account);
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0 });
  } catch (error) {
    throw new StateFileError(`cannot open the lock file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    db.pragma('journal_mode = OFF'); // no -journal file beside it: it never holds data
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY') {
      throw new RunLockedError(`another pop3kit fetch of ${account} is running (${path})`);
    }
    throw new StateFileError(`cannot lock ${path}: ${(error as Error).message}`, { cause: error });
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    db.close();
  };
}
