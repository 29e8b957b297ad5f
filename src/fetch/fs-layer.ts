/**
 * The few file operations delivery needs, behind an interface, so tests can inject a disk
 * that fills up (ENOSPC) or fails mid-write without a tmpfs. The default is node:fs.
 */
import * as fsSync from 'node:fs';
import { constants, promises as fs } from 'node:fs';
import { promisify } from 'node:util';

export interface DeliveryFile {
  /** Writes all of `data` (at `position`, or at the current offset). */
  write(data: Uint8Array, position?: number): Promise<void>;
  /** Up to `length` bytes at `position`. */
  read(length: number, position: number): Promise<Buffer>;
  /** fsync(2): the data is on disk when this resolves. */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export type OpenMode =
  /** Create; fail with EEXIST when it exists (Maildir tmp files, dotlocks). */
  | 'create'
  /** Read and write an existing file, creating it empty if missing (mbox). */
  | 'update'
  | 'read';

export interface DeliveryFs {
  open(path: string, mode: OpenMode): Promise<DeliveryFile>;
  rename(from: string, to: string): Promise<void>;
  /** link(2): fails with EEXIST when `to` exists (atomic lock taking). */
  link(from: string, to: string): Promise<void>;
  /** Resolves also when the file is already gone. */
  unlink(path: string): Promise<void>;
  /** Names in a directory; [] when it does not exist. */
  readdir(path: string): Promise<string[]>;
  mkdirp(path: string): Promise<void>;
  /** fsync(2) of a directory, so a rename or create in it survives a power cut. */
  syncDir(path: string): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  /** undefined when missing. */
  stat(path: string): Promise<{ readonly size: number; readonly mtimeMs: number } | undefined>;
}

const fsyncFd = promisify(fsSync.fsync);

const FLAGS: Record<OpenMode, number> = {
  create: constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
  update: constants.O_CREAT | constants.O_RDWR,
  read: constants.O_RDONLY,
};

/**
 * A file through a plain fd: open, write, close and rename are synchronous (microseconds, or
 * ~250 us of kernel CPU for a create on ext4, which no thread makes cheaper: creates in one
 * directory serialise on its lock), and only what waits for the disk, fsync, goes to libuv's
 * thread pool, where several overlap. Every call through the pool costs a hand-off (futex
 * wake-ups, ~40 us of kernel time each on the project's VM): for 5,000 small Maildir files,
 * about 1 s of CPU saved against all-async (docs/performance.md, Retriever).
 */
class FdFile implements DeliveryFile {
  readonly #fd: number;
  #offset = 0;
  #closed = false;

  constructor(fd: number) {
    this.#fd = fd;
  }

  async write(data: Uint8Array, position?: number): Promise<void> {
    let done = 0;
    let at = position ?? this.#offset;
    while (done < data.length) {
      const written = fsSync.writeSync(this.#fd, data, done, data.length - done, at);
      done += written;
      at += written;
    }
    if (position === undefined) this.#offset = at;
  }

  async read(length: number, position: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const read = fsSync.readSync(this.#fd, buffer, done, length - done, position + done);
      if (read === 0) break;
      done += read;
    }
    return buffer.subarray(0, done);
  }

  sync(): Promise<void> {
    return fsyncFd(this.#fd);
  }

  async truncate(length: number): Promise<void> {
    fsSync.ftruncateSync(this.#fd, length);
  }

  async size(): Promise<number> {
    return fsSync.fstatSync(this.#fd).size;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    fsSync.closeSync(this.#fd);
  }
}

export const nodeFs: DeliveryFs = {
  async open(path, mode) {
    return new FdFile(fsSync.openSync(path, FLAGS[mode], 0o600));
  },
  async rename(from, to) {
    fsSync.renameSync(from, to);
  },
  link: (from, to) => fs.link(from, to),
  async unlink(path) {
    await fs.unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  },
  async readdir(path) {
    return fs.readdir(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
  },
  async mkdirp(path) {
    await fs.mkdir(path, { recursive: true, mode: 0o700 });
  },
  async syncDir(path) {
    const handle = await fs.open(path, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  readFile: (path) => fs.readFile(path),
  async stat(path) {
    try {
      const stats = await fs.stat(path);
      return { size: stats.size, mtimeMs: stats.mtimeMs };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
};
