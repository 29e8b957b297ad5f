import { createHash } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { wireSize } from '../protocol/line-ends.js';
import { acquireLockFile } from './lock-file.js';
import { LockTable, type Mailbox, type MailStore, MailStoreError, type MessageInfo } from './store.js';

/** Beside cur/ and new/; a dot name, so no Maildir reader takes it for a folder or a message. */
const LOCK_FILE = '.pop3kit.lock';

/** Where a message was at login. `base` (the name before ":") survives flag changes and a
 * move from new/ to cur/ by another program, so it is how a moved message is found again. */
interface Entry {
  readonly sub: 'cur' | 'new';
  readonly name: string;
  readonly base: string;
}

export interface MaildirStoreOptions {
  /** The Maildir of a user. Default: `root/user`. */
  readonly mailboxPath?: (user: string) => string;
}

/**
 * A store over real Maildirs (cur/, new/, tmp/), one per user under `root`. Sessions see the
 * messages in cur/ and new/ at login; deliveries land in new/ through tmp/ by rename, so a
 * message delivered mid-session is neither seen nor touched until the next login. QUIT unlinks
 * exactly the files the session marked, wherever another program has moved them since.
 * A session locks the Maildir in this process and with a `.pop3kit.lock` file, so other
 * servers and processes on the same Maildir answer `-ERR [IN-USE]` too.
 */
export class MaildirStore implements MailStore {
  readonly #root: string;
  readonly #mailboxPath: (user: string) => string;
  readonly #locks = new LockTable();
  /** Wire sizes by path, valid while size and mtime are unchanged: saves reading every file
   * at every login. */
  readonly #sizes = new Map<string, { readonly key: string; readonly size: number }>();

  constructor(root: string, options: MaildirStoreOptions = {}) {
    this.#root = root;
    this.#mailboxPath = options.mailboxPath ?? ((user) => join(this.#root, user));
  }

  /** Whether a session of this process holds `user`'s Maildir right now. */
  isLocked(user: string): boolean {
    return this.#locks.isLocked(user);
  }

  async openMailbox(user: string): Promise<Mailbox> {
    if (!isSafeMailboxName(user)) {
      throw new MailStoreError('user name is not usable as a Maildir name', { permanent: true });
    }
    const releaseInProcess = this.#locks.acquire(user);
    let releaseFile: (() => Promise<void>) | undefined;
    const release = async (): Promise<void> => {
      await releaseFile?.();
      releaseInProcess();
    };
    try {
      const dir = this.#mailboxPath(user);
      releaseFile = await acquireLockFile(join(dir, LOCK_FILE), user);
      const entries = [...(await listDir(dir, 'new')), ...(await listDir(dir, 'cur'))];
      entries.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
      const found: { entry: Entry; info: MessageInfo }[] = [];
      const uids = new Set<string>();
      for (const entry of entries) {
        const path = join(dir, entry.sub, entry.name);
        let stats: Stats;
        try {
          stats = await fs.stat(path);
        } catch {
          continue; // moved or expunged by another program between readdir and stat
        }
        if (!stats.isFile()) continue;
        const uid = uniqueId(entry.base, uids);
        uids.add(uid);
        found.push({ entry, info: { uid, size: await this.#wireSize(path, entry.name, stats) } });
      }
      return new MaildirMailbox(dir, found, release);
    } catch (err) {
      await release();
      throw err;
    }
  }

  async #wireSize(path: string, name: string, stats: Stats): Promise<number> {
    // Dovecot and Courier record the CRLF size in the name (",W=1234"); trust it when present.
    const recorded = /,W=(\d{1,15})(?:[,:]|$)/.exec(name);
    if (recorded) return Number(recorded[1]);
    const key = `${stats.size}:${stats.mtimeMs}`;
    const cached = this.#sizes.get(path);
    if (cached?.key === key) return cached.size;
    const size = await streamWireSize(path);
    this.#sizes.set(path, { key, size });
    return size;
  }
}

class MaildirMailbox implements Mailbox {
  readonly messages: readonly MessageInfo[];
  readonly #dir: string;
  readonly #entries: readonly Entry[];
  readonly #release: () => Promise<void>;

  constructor(dir: string, found: { entry: Entry; info: MessageInfo }[], release: () => Promise<void>) {
    this.#dir = dir;
    this.messages = found.map((f) => f.info);
    this.#entries = found.map((f) => f.entry);
    this.#release = release;
  }

  async open(index: number): Promise<Readable> {
    const handle = await this.#withEntry(index, (path) => fs.open(path, 'r'));
    if (handle === undefined) throw new Error('message has vanished from the Maildir');
    return handle.createReadStream({ highWaterMark: 64 * 1024 });
  }

  async remove(indexes: readonly number[]): Promise<void> {
    const failures: unknown[] = [];
    for (const index of indexes) {
      try {
        // Already gone (another program expunged it) counts as removed.
        await this.#withEntry(index, (path) => fs.unlink(path));
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} messages not removed`);
  }

  async close(): Promise<void> {
    await this.#release();
  }

  /** Runs `action` on the message's file, looking it up again by its base name if another
   * program renamed it (flags) or moved it to cur/. Resolves undefined if it is gone. */
  async #withEntry<T>(index: number, action: (path: string) => Promise<T>): Promise<T | undefined> {
    const entry = this.#entries[index];
    if (entry === undefined) throw new RangeError(`no message at index ${index}`);
    try {
      return await action(join(this.#dir, entry.sub, entry.name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const sub of ['cur', 'new'] as const) {
      for (const moved of await listDir(this.#dir, sub)) {
        if (moved.base !== entry.base) continue;
        try {
          return await action(join(this.#dir, sub, moved.name));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    }
    return undefined;
  }
}

async function listDir(dir: string, sub: 'cur' | 'new'): Promise<Entry[]> {
  let names: string[];
  try {
    names = await fs.readdir(join(dir, sub));
  } catch (err) {
    // A user without a Maildir yet simply has no mail.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((name) => !name.startsWith('.'))
    .map((name) => ({ sub, name, base: name.split(':')[0]! }));
}

/** A user name becomes a directory name: refuse anything that could leave `root`. */
export function isSafeMailboxName(user: string): boolean {
  return user.length > 0 && user.length <= 255 && !/[/\\\0]/.test(user) && !user.startsWith('.');
}

/**
 * The UIDL of a file: its unique name without Courier/Dovecot ",S=..,W=.." fields, when that
 * is a valid RFC 1939 §7 unique-id (1-70 characters 0x21-0x7E); otherwise a hash of it.
 */
function uniqueId(base: string, taken: ReadonlySet<string>): string {
  const short = base.split(',')[0]!;
  if (/^[\x21-\x7e]{1,70}$/.test(short) && !taken.has(short)) return short;
  return createHash('sha1').update(base).digest('hex');
}

/** `wireSize()` of a file, read in chunks so a huge message costs bounded memory. */
async function streamWireSize(path: string): Promise<number> {
  const handle = await fs.open(path, 'r');
  try {
    let size = 0;
    let lastWasCr = false;
    for await (const chunk of handle.createReadStream({ highWaterMark: 64 * 1024, autoClose: false })) {
      const bytes = chunk as Buffer;
      if (bytes.length === 0) continue;
      size += wireSize(bytes);
      // wireSize counts an LF at offset 0 as bare; here a CR may have ended the last chunk.
      if (lastWasCr && bytes[0] === 0x0a) size--;
      lastWasCr = bytes[bytes.length - 1] === 0x0d;
    }
    return size;
  } finally {
    await handle.close();
  }
}
