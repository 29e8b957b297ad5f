/**
 * Maildir delivery (https://cr.yp.to/proto/maildir.html), exactly once across crashes:
 *   1. record pending {dir, name}          (before any byte, so no tmp/ file is ever orphaned)
 *   2. write tmp/NAME, fsync it
 *   3. rename tmp/NAME -> new/NAME, fsync new/
 *   4. record delivered
 * After a crash, a pending NAME found in new/ or cur/ (a MUA may have moved it and added
 * ":2,FLAGS") was delivered; otherwise tmp/NAME is removed and the message goes again.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { LfConverter, toLf } from '../protocol/line-ends.js';
import type { DeliveryFile, DeliveryFs } from './fs-layer.js';
import type { PendingDelivery } from './pending.js';
import {
  type Delivered,
  deliveryError,
  type Ledger,
  type OutgoingMessage,
  type Settled,
  type Writer,
} from './writer.js';

type MaildirPending = Extract<PendingDelivery, { kind: 'maildir' }>;

/** tmp/ files being written and fsynced at once: concurrent fsyncs share journal commits.
 * Only as many run at once as libuv has threads (UV_THREADPOOL_SIZE, 4 by default). The
 * files are created one at a time, though: creates in one directory contend for its lock
 * (measured on ext4: ~250 us of kernel CPU each alone, 2-3x that when they race). */
const PARALLEL_SYNCS = 32;

let deliveries = 0;

/** A unique name: time, pid, a per-process counter and randomness (pids get reused after a
 * crash), host. '/', ':' and ',' in the host are escaped as Dovecot does, so the name's base
 * (before ':' or ',') is always the whole name. */
export function uniqueName(now = Date.now()): string {
  const host = hostname().replace(/\//g, '\\057').replace(/:/g, '\\072').replace(/,/g, '\\054');
  const secs = Math.floor(now / 1000);
  const micros = (now % 1000) * 1000;
  return `${secs}.M${micros}P${process.pid}Q${++deliveries}R${randomBytes(4).toString('hex')}.${host}`;
}

/** The unique part of a file name in new/ or cur/: before the ":2,FLAGS" info (and any
 * ",S=size" a server added). */
export function baseName(file: string): string {
  return file.split(/[:,]/, 1)[0] as string;
}

export class MaildirWriter implements Writer {
  readonly #fs: DeliveryFs;
  readonly #dir: string;
  readonly #ledger: Ledger;
  #ready: Promise<void> | undefined;

  constructor(fs: DeliveryFs, dir: string, ledger: Ledger) {
    this.#fs = fs;
    this.#dir = dir;
    this.#ledger = ledger;
  }

  async deliver(messages: readonly OutgoingMessage[]): Promise<Delivered[]> {
    await this.#ensureDirs();
    const pendings = messages.map((m) => ({ uid: m.uid, pending: this.#pending() }));
    this.#ledger.markPending(pendings);
    try {
      await this.#writeBatch(messages.map((m, i) => ({ name: pendings[i]!.pending.name, data: m.data })));
      return await this.#publish(pendings);
    } catch (error) {
      const delivered = await this.#settleAfterFailure(pendings);
      throw deliveryError(error, `delivery into Maildir ${this.#dir} failed`, delivered);
    }
  }

  async deliverStream(uid: string, source: Readable): Promise<Delivered> {
    await this.#ensureDirs();
    const item = { uid, pending: this.#pending() };
    this.#ledger.markPending([item]);
    try {
      await this.#writeTmp(item.pending.name, async (file) => {
        const lf = new LfConverter();
        for await (const chunk of source) await file.write(lf.push(chunk as Buffer));
        await file.write(lf.end());
      });
      const [delivered] = await this.#publish([item]);
      return delivered!;
    } catch (error) {
      source.destroy();
      const delivered = await this.#settleAfterFailure([item]);
      throw deliveryError(error, `delivery into Maildir ${this.#dir} failed`, delivered);
    }
  }

  #pending(): MaildirPending {
    return { kind: 'maildir', dir: this.#dir, name: uniqueName() };
  }

  #ensureDirs(): Promise<void> {
    this.#ready ??= (async () => {
      try {
        for (const sub of ['tmp', 'new', 'cur']) await this.#fs.mkdirp(join(this.#dir, sub));
        // A Maildir created just now must still be there after a power cut.
        await this.#fs.syncDir(this.#dir);
      } catch (error) {
        this.#ready = undefined;
        throw deliveryError(error, `cannot create Maildir ${this.#dir}`);
      }
    })();
    return this.#ready;
  }

  /** Writes and fsyncs tmp/NAME for each: created in turn, written, fsynced and closed
   * concurrently (up to PARALLEL_SYNCS). Every file is closed before this settles. */
  async #writeBatch(items: readonly { name: string; data: Buffer }[]): Promise<void> {
    const busy = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    for (const { name, data } of items) {
      if (busy.size >= PARALLEL_SYNCS) await Promise.race(busy);
      if (failure !== undefined) break;
      let file: DeliveryFile;
      try {
        file = await this.#fs.open(join(this.#dir, 'tmp', name), 'create');
      } catch (error) {
        failure ??= { error };
        break;
      }
      const task: Promise<void> = (async () => {
        try {
          await file.write(toLf(data));
          await file.sync();
        } finally {
          await file.close();
        }
      })()
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => busy.delete(task));
      busy.add(task);
    }
    await Promise.all(busy);
    if (failure !== undefined) throw failure.error;
  }

  async #writeTmp(name: string, fill: (file: DeliveryFile) => Promise<void>): Promise<void> {
    const file = await this.#fs.open(join(this.#dir, 'tmp', name), 'create');
    try {
      await fill(file);
      await file.sync();
    } finally {
      await file.close();
    }
  }

  async #publish(pendings: readonly { uid: string; pending: MaildirPending }[]): Promise<Delivered[]> {
    for (const { pending } of pendings) {
      await this.#fs.rename(join(this.#dir, 'tmp', pending.name), join(this.#dir, 'new', pending.name));
    }
    await this.#fs.syncDir(join(this.#dir, 'new'));
    const delivered = pendings.map(({ uid, pending }) => ({
      uid,
      location: join(this.#dir, 'new', pending.name),
    }));
    this.#ledger.markDelivered(delivered);
    return delivered;
  }

  /** Same rules as after a crash; resolves to what was delivered after all. If even that
   * fails (the state file's disk is full too), the entries stay pending for the next run. */
  async #settleAfterFailure(
    pendings: readonly { uid: string; pending: MaildirPending }[],
  ): Promise<Delivered[]> {
    try {
      return (await settleMaildir(this.#fs, pendings, this.#ledger)).deliveredTo;
    } catch {
      return [];
    }
  }
}

/** Settles pending Maildir deliveries: delivered when in new/ or cur/, else cleaned and reset. */
export async function settleMaildir(
  fs: DeliveryFs,
  pendings: readonly { uid: string; pending: MaildirPending }[],
  ledger: Ledger,
): Promise<Settled> {
  const listings = new Map<string, Map<string, string>>();
  const found = async (dir: string) => {
    let bases = listings.get(dir);
    if (bases === undefined) {
      bases = new Map();
      for (const sub of ['new', 'cur']) {
        for (const file of await fs.readdir(join(dir, sub))) bases.set(baseName(file), join(dir, sub, file));
      }
      listings.set(dir, bases);
    }
    return bases;
  };
  const delivered: Delivered[] = [];
  const redeliver: string[] = [];
  for (const { uid, pending } of pendings) {
    const location = (await found(pending.dir)).get(pending.name);
    if (location !== undefined) delivered.push({ uid, location });
    else {
      await fs.unlink(join(pending.dir, 'tmp', pending.name));
      redeliver.push(uid);
    }
  }
  // The rename may not be on disk yet: make it so before "delivered" is.
  for (const dir of new Set(delivered.map((d) => join(d.location, '..')))) await fs.syncDir(dir);
  if (delivered.length > 0) ledger.markDelivered(delivered);
  if (redeliver.length > 0) ledger.resetPending(redeliver);
  return { delivered: delivered.map((d) => d.uid), deliveredTo: delivered, redeliver, warnings: [] };
}
