/**
 * Delivery into the SQLite archive (src/archive), exactly once across crashes:
 *   1. record pending {path, account}
 *   2. ingest each message: one archive transaction each, idempotent by (account, uid)
 *   3. close the archive (the last connection checkpoints the WAL, with fsync)
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
import { SqliteArchive } from '../archive/sqlite-archive.js';
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

/** Where a delivered message is: the archive file and the message's id in it. */
export function archiveLocation(path: string, id: number): string {
  return `${path}#${id}`;
}

export class ArchiveWriter implements Writer {
  readonly #path: string;
  readonly #account: string;
  readonly #ledger: Ledger;

  constructor(path: string, account: string, ledger: Ledger) {
    this.#path = path;
    this.#account = account;
    this.#ledger = ledger;
  }

  async deliver(messages: readonly OutgoingMessage[]): Promise<Delivered[]> {
    if (messages.length === 0) return [];
    const archive = this.#open();
    const pending: ArchivePending = { kind: 'archive', path: this.#path, account: this.#account };
    try {
      this.#ledger.markPending(messages.map((m) => ({ uid: m.uid, pending })));
    } catch (error) {
      closeQuietly(archive);
      throw error;
    }
    const delivered: Delivered[] = [];
    try {
      for (const message of messages) {
        const { id } = await archive.ingest(this.#account, message.uid, message.data);
        delivered.push({ uid: message.uid, location: archiveLocation(this.#path, id) });
      }
    } catch (error) {
      closeQuietly(archive);
      const rest = messages.slice(delivered.length).map((m) => m.uid);
      throw deliveryError(
        error,
        `archiving into ${this.#path} failed`,
        this.#settleAfterFailure(delivered, rest),
      );
    }
    try {
      archive.close();
    } catch (error) {
      // Committed but perhaps not checkpointed: the pending entries are settled next run.
      throw deliveryError(error, `closing the archive ${this.#path} failed`);
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
      throw deliveryError(error, `archiving into ${this.#path} failed`);
    }
    const [delivered] = await this.deliver([{ uid, data: Buffer.concat(chunks) }]);
    return delivered!;
  }

  #open(): SqliteArchive {
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

function closeQuietly(archive: SqliteArchive): void {
  try {
    archive.close();
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
