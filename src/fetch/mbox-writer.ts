/**
 * mboxrd delivery, exactly once across crashes. Under the dotlock:
 *   1. note the end of the file (after adding an LF if the last line lacks one)
 *   2. record pending {offset, length, sha256} for each entry
 *   3. append, fsync
 *   4. record delivered
 * After a crash, an entry whose bytes at `offset` hash as recorded was delivered; a shorter
 * file (the append was cut) is truncated back to `offset` and the message goes again. When
 * the file changed in another way (a MUA rewrote it), nothing is truncated: the message goes
 * again, which may duplicate it but never loses anything.
 */
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { LfConverter, toLf } from '../protocol/line-ends.js';
import { lockMbox } from './dotlock.js';
import type { DeliveryFile, DeliveryFs } from './fs-layer.js';
import { uniqueName } from './maildir-writer.js';
import { fromLine, headerBlock, MboxrdQuoter, mboxEntry } from './mboxrd.js';
import type { PendingDelivery } from './pending.js';
import {
  type Delivered,
  deliveryError,
  type Ledger,
  type OutgoingMessage,
  type Settled,
  type Writer,
} from './writer.js';

type MboxPending = Extract<PendingDelivery, { kind: 'mbox' }>;
type Item = { readonly uid: string; readonly pending: MboxPending };

const LF = Buffer.of(0x0a);
const COPY_CHUNK = 1024 * 1024;
/** Enough of a streamed message to find Return-Path for the From_ line. */
const HEADER_PEEK = 64 * 1024;

interface Entry {
  readonly uid: string;
  readonly length: number;
  readonly sha256: string;
  write(file: DeliveryFile, at: number): Promise<void>;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export class MboxWriter implements Writer {
  readonly #fs: DeliveryFs;
  readonly #path: string;
  readonly #ledger: Ledger;
  readonly #spoolDir: string;
  readonly #now: () => number;

  /** `spoolDir`: where a big message is prepared before it is appended (cleaned by the run). */
  constructor(fs: DeliveryFs, path: string, ledger: Ledger, spoolDir: string, now: () => number) {
    this.#fs = fs;
    this.#path = path;
    this.#ledger = ledger;
    this.#spoolDir = spoolDir;
    this.#now = now;
  }

  deliver(messages: readonly OutgoingMessage[]): Promise<Delivered[]> {
    const when = new Date(this.#now());
    const entries = messages.map((m): Entry => {
      const bytes = mboxEntry(toLf(m.data), when);
      return {
        uid: m.uid,
        length: bytes.length,
        sha256: sha256(bytes),
        write: (file, at) => file.write(bytes, at),
      };
    });
    return this.#append(entries);
  }

  /** A big message is first written, converted and quoted, to a spool file (bounded memory),
   * so its length and hash are known before the pending record, as for any other entry. */
  async deliverStream(uid: string, source: Readable): Promise<Delivered> {
    const spoolPath = join(this.#spoolDir, uniqueName());
    try {
      await this.#fs.mkdirp(this.#spoolDir);
      const spool = await this.#fs.open(spoolPath, 'create');
      const hash = createHash('sha256');
      let length = 0;
      try {
        const put = async (data: Buffer) => {
          hash.update(data);
          length += data.length;
          await spool.write(data);
        };
        const lf = new LfConverter();
        const quoter = new MboxrdQuoter();
        let head: Buffer[] | undefined = [];
        let headLength = 0;
        let last = 0x0a;
        const emit = async (data: Buffer) => {
          if (data.length > 0) last = data[data.length - 1]!;
          await put(quoter.push(data));
        };
        const flushHead = async () => {
          const peek = Buffer.concat(head ?? []);
          head = undefined;
          await put(fromLine(headerBlock(peek), new Date(this.#now())));
          await emit(peek);
        };
        for await (const chunk of source) {
          const data = lf.push(chunk as Buffer);
          if (head === undefined) await emit(data);
          else {
            head.push(data);
            headLength += data.length;
            if (headLength >= HEADER_PEEK || data.includes('\n\n')) await flushHead();
          }
        }
        if (head !== undefined) await flushHead();
        await emit(lf.end());
        await put(quoter.end());
        if (length > 0 && last !== 0x0a) await put(LF);
        await put(LF);
      } finally {
        await spool.close();
      }
      const [delivered] = await this.#append([
        {
          uid,
          length,
          sha256: hash.digest('hex'),
          write: (file, at) => this.#copySpool(spoolPath, length, file, at),
        },
      ]);
      return delivered!;
    } catch (error) {
      source.destroy();
      throw deliveryError(error, `delivery into mbox ${this.#path} failed`);
    } finally {
      await this.#fs.unlink(spoolPath).catch(() => {});
    }
  }

  async #copySpool(spoolPath: string, length: number, file: DeliveryFile, at: number): Promise<void> {
    const spool = await this.#fs.open(spoolPath, 'read');
    try {
      for (let done = 0; done < length; done += COPY_CHUNK) {
        await file.write(await spool.read(Math.min(COPY_CHUNK, length - done), done), at + done);
      }
    } finally {
      await spool.close();
    }
  }

  async #append(entries: readonly Entry[]): Promise<Delivered[]> {
    let release: (() => Promise<void>) | undefined;
    let file: DeliveryFile | undefined;
    try {
      release = await lockMbox(this.#fs, this.#path);
      file = await this.#fs.open(this.#path, 'update');
      let size = await file.size();
      // A file whose last line lacks its LF would swallow our From_ line.
      if (size > 0 && (await file.read(1, size - 1))[0] !== 0x0a) await file.write(LF, size++);
      const items: Item[] = [];
      let offset = size;
      for (const entry of entries) {
        items.push({
          uid: entry.uid,
          pending: { kind: 'mbox', path: this.#path, offset, length: entry.length, sha256: entry.sha256 },
        });
        offset += entry.length;
      }
      this.#ledger.markPending(items);
      try {
        for (const [i, entry] of entries.entries()) await entry.write(file, items[i]!.pending.offset);
        await file.sync();
        // The file may have been created just now: its directory entry must be durable too.
        if (size === 0) await this.#fs.syncDir(dirname(this.#path));
        const delivered = items.map(({ uid }) => ({ uid, location: this.#path }));
        this.#ledger.markDelivered(delivered);
        return delivered;
      } catch (error) {
        const settled = await settleOpenMbox(file, items, this.#ledger).catch(() => undefined);
        throw deliveryError(error, `delivery into mbox ${this.#path} failed`, settled?.deliveredTo);
      }
    } catch (error) {
      throw deliveryError(error, `delivery into mbox ${this.#path} failed`);
    } finally {
      await file?.close().catch(() => {});
      await release?.().catch(() => {});
    }
  }
}

/** Settles pending mbox deliveries after a crash, each file under its lock. */
export async function settleMbox(
  fs: DeliveryFs,
  pendings: readonly Item[],
  ledger: Ledger,
): Promise<Settled> {
  const result: Settled = { delivered: [], deliveredTo: [], redeliver: [], warnings: [] };
  for (const path of new Set(pendings.map((p) => p.pending.path))) {
    const release = await lockMbox(fs, path);
    try {
      const file = await fs.open(path, 'update');
      try {
        const settled = await settleOpenMbox(
          file,
          pendings.filter((p) => p.pending.path === path),
          ledger,
        );
        result.delivered.push(...settled.delivered);
        result.deliveredTo.push(...settled.deliveredTo);
        result.redeliver.push(...settled.redeliver);
        result.warnings.push(...settled.warnings);
      } finally {
        await file.close();
      }
    } finally {
      await release();
    }
  }
  return result;
}

async function settleOpenMbox(
  file: DeliveryFile,
  pendings: readonly Item[],
  ledger: Ledger,
): Promise<Settled> {
  const delivered: Delivered[] = [];
  const redeliver: string[] = [];
  const warnings: string[] = [];
  let size = await file.size();
  let truncated = false;
  // Where the interrupted append began: bytes from here on can only be ours (we held the lock).
  const start = pendings.reduce((min, p) => Math.min(min, p.pending.offset), Number.POSITIVE_INFINITY);
  // Last entry first: a cut append is truncated away before the entries before it are checked.
  for (const { uid, pending } of [...pendings].sort((a, b) => b.pending.offset - a.pending.offset)) {
    const end = pending.offset + pending.length;
    if (size >= end && sha256(await file.read(pending.length, pending.offset)) === pending.sha256) {
      delivered.push({ uid, location: pending.path });
    } else if (size >= pending.offset && size < end) {
      await file.truncate(pending.offset);
      size = pending.offset;
      truncated = true;
      redeliver.push(uid);
    } else if (size >= start && size < pending.offset) {
      redeliver.push(uid); // the append was cut before this entry
    } else {
      // Shorter than where we began, or other bytes there: someone else rewrote the file.
      warnings.push(
        `${pending.path} changed since a delivery of ${uid} was interrupted; it is delivered again ` +
          '(it may now appear twice)',
      );
      redeliver.push(uid);
    }
  }
  if (truncated || delivered.length > 0) await file.sync();
  if (delivered.length > 0) ledger.markDelivered(delivered);
  if (redeliver.length > 0) ledger.resetPending(redeliver);
  return { delivered: delivered.map((d) => d.uid), deliveredTo: delivered, redeliver, warnings };
}
