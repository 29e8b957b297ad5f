/**
 * Between retrieval and the writers: gathers retrieved messages into batches per destination,
 * so a batch costs two state transactions and one directory fsync however many messages it
 * holds, while each message still gets its own fsync before it counts as delivered.
 *
 * A full batch is delivered in the background while the next one is retrieved (delivery is
 * mostly waiting for the disk, retrieval for the socket), one batch at a time and in order: the
 * next batch starts only once the previous one is recorded, and a delivery failure surfaces at
 * the next add() or flush(). A message held in memory and not yet recorded pending is simply
 * fetched again after a crash, so the overlap changes nothing of the crash protocol.
 */
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { ArchiveWriter } from './archive-writer.js';
import type { DeliveryFs } from './fs-layer.js';
import { MaildirWriter } from './maildir-writer.js';
import { MboxWriter } from './mbox-writer.js';
import { MdaWriter } from './mda-writer.js';
import type { ListedMessage } from './planner.js';
import type { Report } from './report.js';
import type { Destination } from './types.js';
import { type Delivered, DeliveryError, type Ledger, type OutgoingMessage, type Writer } from './writer.js';

export interface SinkOptions {
  readonly fs: DeliveryFs;
  readonly ledger: Ledger;
  readonly spoolDir: string;
  readonly now: () => number;
  /** A batch is delivered once it holds this many messages... */
  readonly batchMessages: number;
  /** ...or this many octets. */
  readonly batchBytes: number;
}

export function destinationKey(destination: Destination): string {
  return destination.kind === 'mda'
    ? `mda:${destination.command}`
    : `${destination.kind}:${destination.path}`;
}

/** The message a delivery is for, and where it goes. */
export interface SinkItem {
  readonly message: ListedMessage;
  readonly destination: Destination;
}

export class DeliverySink {
  readonly #options: SinkOptions;
  readonly #report: Report;
  readonly #writers = new Map<string, Writer>();
  #batch: { item: SinkItem; data: Buffer }[] = [];
  #batchBytes = 0;
  /** The batch being delivered in the background; rejects with its DeliveryError. */
  #inFlight: Promise<void> | undefined;

  constructor(options: SinkOptions, report: Report) {
    this.#options = options;
    this.#report = report;
  }

  /** Takes a retrieved message; delivers the batch when it is full. @throws DeliveryError */
  async add(item: SinkItem, data: Buffer): Promise<void> {
    this.#report.received(data.length);
    this.#batch.push({ item, data });
    this.#batchBytes += data.length;
    if (this.#batch.length >= this.#options.batchMessages || this.#batchBytes >= this.#options.batchBytes) {
      // Waits for the previous batch (and throws its failure), then starts this one.
      await this.#settleInFlight();
      const delivery = this.#deliverBatch();
      // Observed at the next add()/flush(); never an unhandled rejection meanwhile.
      delivery.catch(() => {});
      this.#inFlight = delivery;
    }
  }

  async #settleInFlight(): Promise<void> {
    const inFlight = this.#inFlight;
    if (inFlight === undefined) return;
    this.#inFlight = undefined;
    try {
      await inFlight;
    } catch (error) {
      // What was retrieved after the failed batch waits for the next run, as it would have
      // had retrieval stopped at the failure.
      this.#batch = [];
      this.#batchBytes = 0;
      throw error;
    }
  }

  /** Delivers one big message as it streams in (the batch goes first, to keep order). */
  async stream(item: SinkItem, source: Readable): Promise<void> {
    await this.flush();
    const counted = source.pipe(countingStage((n) => this.#report.streamed(n)));
    source.once('error', (error) => counted.destroy(error));
    let delivered: Delivered;
    try {
      delivered = await this.#writer(item.destination).deliverStream(item.message.uid, counted);
    } catch (error) {
      if (error instanceof DeliveryError && error.delivered.length > 0) {
        this.#report.message(item.message, 'delivered', { location: error.delivered[0]!.location });
      }
      throw error;
    } finally {
      // pipe() does not pass destroy() upstream: an unread RETR stream would stall the
      // session, so the source itself is destroyed (the client drains the rest).
      source.destroy();
    }
    this.#report.received(0);
    this.#report.message(item.message, 'delivered', { location: delivered.location });
  }

  /** Delivers whatever is batched (after the batch in flight). @throws DeliveryError */
  async flush(): Promise<void> {
    await this.#settleInFlight();
    await this.#deliverBatch();
  }

  async #deliverBatch(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    this.#batchBytes = 0;
    const groups = new Map<string, { destination: Destination; entries: typeof batch }>();
    for (const entry of batch) {
      const key = destinationKey(entry.item.destination);
      let group = groups.get(key);
      if (group === undefined) {
        group = { destination: entry.item.destination, entries: [] };
        groups.set(key, group);
      }
      group.entries.push(entry);
    }
    for (const { destination, entries } of groups.values()) {
      const messages: OutgoingMessage[] = entries.map((e) => ({ uid: e.item.message.uid, data: e.data }));
      const byUid = new Map(entries.map((e) => [e.item.message.uid, e.item.message]));
      const report = (delivered: readonly Delivered[]) => {
        for (const d of delivered)
          this.#report.message(byUid.get(d.uid)!, 'delivered', { location: d.location });
      };
      try {
        report(await this.#writer(destination).deliver(messages));
      } catch (error) {
        // Part of a failed batch may be delivered (and recorded) all the same.
        if (error instanceof DeliveryError) report(error.delivered);
        throw error;
      }
    }
  }

  #writer(destination: Destination): Writer {
    const key = destinationKey(destination);
    let writer = this.#writers.get(key);
    if (writer === undefined) {
      const { fs, ledger, spoolDir, now } = this.#options;
      if (destination.kind === 'maildir') writer = new MaildirWriter(fs, destination.path, ledger);
      else if (destination.kind === 'mbox')
        writer = new MboxWriter(fs, destination.path, ledger, spoolDir, now);
      else if (destination.kind === 'archive')
        writer = new ArchiveWriter(destination.path, this.#report.account, ledger, destination.store);
      else writer = new MdaWriter(destination.command, ledger);
      this.#writers.set(key, writer);
    }
    return writer;
  }
}

function countingStage(count: (octets: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      count(chunk.length);
      done(null, chunk);
    },
  });
}

/** Where big messages for an mbox are prepared: beside the run lock, cleaned each run. */
export function spoolDirFor(lockPath: string): string {
  return `${lockPath.replace(/\.lock$/, '')}.spool`;
}
