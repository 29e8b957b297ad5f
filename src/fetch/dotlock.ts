/**
 * The mbox dotlock: `FILE.lock` holding our pid, the convention procmail, mutt and
 * dotlockfile(1) share (Node has no flock/fcntl). It is taken atomically with its content:
 * the pid goes into a unique `FILE.lock.PID.RANDOM` first, which is then link()ed to
 * `FILE.lock` (EEXIST: held), so a lock is never seen empty, even if we are killed while
 * taking it. A lock whose pid no longer runs on this host is stale (we may have been SIGKILLed
 * holding it) and is broken; a lock without a pid (another program's) once older than STALE_MS.
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryFs } from './fs-layer.js';

const STALE_MS = 60_000;
const RETRY_MS = 50;

export class MboxLockedError extends Error {
  readonly code = 'POP3KIT_MBOX_LOCKED';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(fs: DeliveryFs, lockPath: string): Promise<string | undefined> {
  try {
    return (await fs.readFile(lockPath)).toString('latin1').trim();
  } catch {
    return undefined; // gone meanwhile: the next attempt will tell
  }
}

/** The stale lock's content, or undefined when the lock is live (or gone). */
async function staleContent(fs: DeliveryFs, lockPath: string, now: number): Promise<string | undefined> {
  const content = await readLock(fs, lockPath);
  if (content === undefined) return undefined;
  const pid = /^\d+$/.test(content) ? Number(content) : undefined;
  if (pid !== undefined && pid > 0) return pid !== process.pid && !pidAlive(pid) ? content : undefined;
  const stat = await fs.stat(lockPath);
  return stat !== undefined && now - stat.mtimeMs > STALE_MS ? content : undefined;
}

/** Our own temp files left by a killed run (`FILE.lock.PID.RANDOM` of a dead pid). */
async function removeOrphans(fs: DeliveryFs, lockPath: string): Promise<void> {
  const prefix = `${basename(lockPath)}.`;
  for (const name of await fs.readdir(dirname(lockPath))) {
    const match = name.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{8}$/.exec(name.slice(prefix.length)) : null;
    if (match && !pidAlive(Number(match[1]))) await fs.unlink(join(dirname(lockPath), name));
  }
}

/** Creates FILE.lock with our pid in it, or returns false when it exists. */
async function tryLock(fs: DeliveryFs, lockPath: string): Promise<boolean> {
  const temp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const file = await fs.open(temp, 'create');
  try {
    await file.write(Buffer.from(`${process.pid}\n`));
  } finally {
    await file.close();
  }
  try {
    await fs.link(temp, lockPath);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.unlink(temp);
  }
}

/**
 * Takes `mboxPath + '.lock'`, waiting up to `waitMs` for another holder. Resolves to the
 * release function. @throws MboxLockedError
 */
export async function lockMbox(
  fs: DeliveryFs,
  mboxPath: string,
  waitMs = 30_000,
): Promise<() => Promise<void>> {
  const lockPath = `${mboxPath}.lock`;
  const deadline = Date.now() + waitMs;
  await removeOrphans(fs, lockPath);
  for (;;) {
    if (await tryLock(fs, lockPath)) {
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        await fs.unlink(lockPath);
      };
    }
    const stale = await staleContent(fs, lockPath, Date.now());
    // Read again just before breaking it: another process may have broken it and locked anew
    // meanwhile, and its fresh lock must not go.
    if (stale !== undefined && (await readLock(fs, lockPath)) === stale) {
      await fs.unlink(lockPath);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new MboxLockedError(`${mboxPath} is locked by another program (${lockPath})`);
    }
    await sleep(RETRY_MS);
  }
}
