/**
 * Delivery into the archive (src/archive: SQLite, or PostgreSQL), exactly once across crashes:
 *   1. record pending {path, account, store} (for PostgreSQL `path` is the connection URL)
 *   2. ingest the batch: SQLite in one transaction, PostgreSQL one per message; idempotent by
 *      (account, uid)
 *   3. close the archive (SQLite: the last connection checkpoints the WAL, with fsync;
 *      PostgreSQL: every transaction has committed when ingest() returned; the pool is ended)
 *   4. record delivered
 * After a crash, a pending (account, uid) the archive holds was delivered; otherwise it goes
 * again. Either way nothing is duplicated: ingesting a (account, uid) twice changes nothing,
 * and the bytes are stored once per content hash.
 *
 * The message is kept as retrieved (CRLF line ends, dot-unstuffed): `pop3kit show --raw`
 * gives back the server's bytes.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import type { Archive } from '../archive/archive.js';
import { SqliteArchive } from '../archive/sqlite-archive.js';
import { redactUrl } from './archive-url.js';
import type { PendingDelivery } from './pending.js';
import {
  type Delivered,
  deliveryError,
  type Ledger,
  type OutgoingMessage,
  type Settled,
  type Writer,
} from './writer.js';

type ArchivePending = Extract<PendingDelivery, { kind: 'archive' }>;

export type ArchiveStore = 'sqlite' | 'postgres';

/** Where a delivered message is: the archive file (or PostgreSQL URL without its password)
 * and the message's id in it. */
export function archiveLocation(path: string, id: number, store: ArchiveStore = 'sqlite'): string {
  return `${store === 'postgres' ? redactUrl(path) : path}#${id}`;
}

export class ArchiveWriter implements Writer {
  readonly #path: string;
  readonly #account: string;
  readonly #ledger: Ledger;
  readonly #store: ArchiveStore;
  /** The archive as named in messages (a PostgreSQL URL without its password). */
  readonly #name: string;

  /** `path` is the SQLite file, or for store 'postgres' the connection URL. */
  constructor(path: string, account: string, ledger: Ledger, store: ArchiveStore = 'sqlite') {
    this.#path = path;
    this.#account = account;
    this.#ledger = ledger;
    this.#store = store;
    this.#name = store === 'postgres' ? redactUrl(path) : path;
  }

  async deliver(messages: readonly OutgoingMessage[]): Promise<Delivered[]> {
    if (messages.length === 0) return [];
    const archive = await this.#open();
    const pending: ArchivePending =
      this.#store === 'postgres'
        ? { kind: 'archive', path: this.#path, account: this.#account, store: 'postgres' }
        : { kind: 'archive', path: this.#path, account: this.#account };
    try {
      this.#ledger.markPending(messages.map((m) => ({ uid: m.uid, pending })));
    } catch (error) {
      await closeQuietly(archive);
      throw error;
    }
    let delivered: Delivered[];
    try {
      // Resolves once every message has committed (SQLite: the batch in one transaction).
      const results = await archive.ingestMany(
        this.#account,
        messages.map((m) => ({ uid: m.uid, raw: m.data })),
      );
      delivered = messages.map((m, i) => ({
        uid: m.uid,
        location: archiveLocation(this.#path, results[i]!.id, this.#store),
      }));
    } catch (error) {
      await closeQuietly(archive);
      // None is recorded as delivered; any that did commit (PostgreSQL) are found in the
      // archive next run, or fetched again and ingested without effect.
      throw deliveryError(
        error,
        `archiving into ${this.#name} failed`,
        this.#settleAfterFailure(
          [],
          messages.map((m) => m.uid),
        ),
      );
    }
    try {
      await archive.close();
    } catch (error) {
      // Committed but perhaps not checkpointed: the pending entries are settled next run.
      throw deliveryError(error, `closing the archive ${this.#name} failed`);
    }
    this.#ledger.markDelivered(delivered);
    return delivered;
  }

  /** The archive parses whole messages: a big one is gathered in memory first. */
  async deliverStream(uid: string, source: Readable): Promise<Delivered> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of source) chunks.push(chunk as Buffer);
    } catch (error) {
      source.destroy();
      throw deliveryError(error, `archiving into ${this.#name} failed`);
    }
    const [delivered] = await this.deliver([{ uid, data: Buffer.concat(chunks) }]);
    return delivered!;
  }

  async #open(): Promise<Archive> {
    if (this.#store === 'postgres') {
      try {
        // Loaded only for a PostgreSQL destination, like SQLite's module is for search.
        const { PostgresArchive } = await import('../archive/postgres-archive.js');
        return await PostgresArchive.open(this.#path, { maxConnections: 1 });
      } catch (error) {
        throw deliveryError(error, `cannot open the archive ${this.#name}`);
      }
    }
    try {
      // The default archive's directory ($XDG_DATA_HOME/pop3kit) may not exist yet.
      mkdirSync(dirname(this.#path), { recursive: true, mode: 0o700 });
      return SqliteArchive.open(this.#path);
    } catch (error) {
      throw deliveryError(error, `cannot open the archive ${this.#path}`);
    }
  }

  /** Records what was archived before the failure and undoes the rest; what cannot be
   * recorded stays pending for the next run to settle. */
  #settleAfterFailure(delivered: readonly Delivered[], rest: readonly string[]): Delivered[] {
    try {
      if (delivered.length > 0) this.#ledger.markDelivered(delivered);
      if (rest.length > 0) this.#ledger.resetPending(rest);
      return [...delivered];
    } catch {
      return [];
    }
  }
}

async function closeQuietly(archive: Archive): Promise<void> {
  try {
    await archive.close();
  } catch {
    // Already failing; the pending entries tell the next run what to check.
  }
}

/** Settles pending archive deliveries: delivered when the archive holds them, else new again
 * (fetched and ingested again next; ingest being idempotent, no duplicate either way). */
export function settleArchive(
  pendings: readonly { uid: string; pending: ArchivePending }[],
  ledger: Ledger,
): Settled {
  const delivered: Delivered[] = [];
  const redeliver: string[] = [];
  const byPath = new Map<string, { uid: string; pending: ArchivePending }[]>();
  for (const p of pendings) byPath.set(p.pending.path, [...(byPath.get(p.pending.path) ?? []), p]);
  for (const [path, group] of byPath) {
    // (PostgreSQL pendings go to settlePostgresArchive; this one stays synchronous.)
    const ids = SqliteArchive.locate(
      path,
      group.map((p) => ({ account: p.pending.account, uid: p.uid })),
    );
    for (const [i, { uid }] of group.entries()) {
      const id = ids[i];
      if (id === undefined) redeliver.push(uid);
      else delivered.push({ uid, location: archiveLocation(path, id) });
    }
  }
  if (delivered.length > 0) ledger.markDelivered(delivered);
  if (redeliver.length > 0) ledger.resetPending(redeliver);
  return { delivered: delivered.map((d) => d.uid), deliveredTo: delivered, redeliver, warnings: [] };
}

/** settleArchive for pending deliveries into PostgreSQL (pending.store 'postgres'): the
 * archive at the recorded URL is asked, read-only; one it cannot be asked about holds nothing
 * (the message is fetched and ingested again, which ingest's idempotence makes harmless). */
export async function settlePostgresArchive(
  pendings: readonly { uid: string; pending: ArchivePending }[],
  ledger: Ledger,
): Promise<Settled> {
  const delivered: Delivered[] = [];
  const redeliver: string[] = [];
  if (pendings.length === 0) return { delivered: [], deliveredTo: [], redeliver, warnings: [] };
  const { PostgresArchive } = await import('../archive/postgres-archive.js');
  const byUrl = new Map<string, { uid: string; pending: ArchivePending }[]>();
  for (const p of pendings) byUrl.set(p.pending.path, [...(byUrl.get(p.pending.path) ?? []), p]);
  for (const [url, group] of byUrl) {
    const ids = await PostgresArchive.locate(
      url,
      group.map((p) => ({ account: p.pending.account, uid: p.uid })),
    );
    for (const [i, { uid }] of group.entries()) {
      const id = ids[i];
      if (id === undefined) redeliver.push(uid);
      else delivered.push({ uid, location: archiveLocation(url, id, 'postgres') });
    }
  }
  if (delivered.length > 0) ledger.markDelivered(delivered);
  if (redeliver.length > 0) ledger.resetPending(redeliver);
  return { delivered: delivered.map((d) => d.uid), deliveredTo: delivered, redeliver, warnings: [] };
}
