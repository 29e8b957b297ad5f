import { promises as fs } from 'node:fs';
import { hostname } from 'node:os';
import { MailboxInUseError } from './store.js';

/**
 * A lock file beside cur/ and new/, so two server processes (or two servers in one process,
 * say plain and implicit TLS) never serve one Maildir at once (RFC 1939 §8's exclusive-access
 * lock). It holds "pid@host"; a lock left by a dead process on this host is taken over.
 * Returns the release function, or undefined when the Maildir does not exist (nothing to guard).
 */
export async function acquireLockFile(
  path: string,
  user: string,
): Promise<(() => Promise<void>) | undefined> {
  const owner = `${process.pid}@${hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await fs.writeFile(path, owner, { flag: 'wx' });
      return async () => {
        await fs.unlink(path).catch(() => {});
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code !== 'EEXIST') throw err;
    }
    if (!(await isStale(path))) break;
    await fs.unlink(path).catch(() => {});
  }
  throw new MailboxInUseError(user);
}

async function isStale(path: string): Promise<boolean> {
  let content: string;
  try {
    content = await fs.readFile(path, 'utf8');
  } catch {
    return true; // removed meanwhile: try again
  }
  const match = /^(\d+)@(.*)$/.exec(content.trim());
  if (match === null || match[2] !== hostname()) return false;
  try {
    process.kill(Number(match[1]), 0);
    return false;
  } catch (err) {
    // ESRCH: no such process. EPERM means it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
