/**
 * What every destination (Maildir, mbox, MDA) offers the fetch loop, and the ledger through
 * which it records each delivery before and after doing it.
 */
import type { Readable } from 'node:stream';
import { Pop3Error } from '../errors.js';
import type { PendingDelivery } from './pending.js';

/** The state store, as the writers see it. Every call is one durable transaction. */
export interface Ledger {
  markPending(items: readonly { uid: string; pending: PendingDelivery }[]): void;
  markDelivered(items: readonly Delivered[]): void;
  /** The pending delivery did not happen: the message is new again. */
  resetPending(uids: readonly string[]): void;
}

/** A message as retrieved: the octets of RETR, CRLF line ends as sent. */
export interface OutgoingMessage {
  readonly uid: string;
  readonly data: Buffer;
}

export interface Delivered {
  readonly uid: string;
  /** The Maildir file, the mbox path, or 'mda'. */
  readonly location: string;
}

export interface Writer {
  /** Delivers whole messages, recording each as pending first and delivered after.
   * @throws DeliveryError; whatever was not delivered is reset to new (or left pending for
   *   the next run's recovery when even the state file cannot be written). */
  deliver(messages: readonly OutgoingMessage[]): Promise<Delivered[]>;
  /** Delivers one message read from `source` in bounded memory (big messages).
   * @throws DeliveryError, or the source's own error (a dropped connection) after cleaning up. */
  deliverStream(uid: string, source: Readable): Promise<Delivered>;
}

/** The outcome of settling pending deliveries left by an interrupted run. */
export interface Settled {
  readonly delivered: string[];
  /** The same, with where each one is. */
  readonly deliveredTo: Delivered[];
  /** Not delivered (or, for an MDA, unknowable): new again, fetched again. */
  readonly redeliver: string[];
  readonly warnings: string[];
}

/** Delivery failed on our side (disk full, permissions, MDA exit status). */
export class DeliveryError extends Error {
  readonly code = 'POP3KIT_DELIVERY';
  /** Messages of the failed batch that did get delivered (and are recorded so) first. */
  readonly delivered: readonly Delivered[];

  constructor(message: string, options: { cause?: unknown; delivered?: readonly Delivered[] } = {}) {
    super(message, { cause: options.cause });
    this.delivered = options.delivered ?? [];
  }
}

/** Wraps a local failure as DeliveryError (with what of the batch was delivered all the
 * same); a POP3 error from the source stream, or a state file failure, stays as is. */
export function deliveryError(error: unknown, what: string, delivered: readonly Delivered[] = []): Error {
  if (error instanceof Pop3Error || isStateError(error) || isLockedError(error)) return error;
  if (error instanceof DeliveryError) {
    if (delivered.length === 0) return error;
    return new DeliveryError(error.message, {
      cause: error.cause,
      delivered: [...error.delivered, ...delivered],
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new DeliveryError(`${what}: ${detail}`, { cause: error, delivered });
}

/** The state file failed (StateFileError; matched by code to keep writers off the store). */
function isStateError(error: unknown): error is Error {
  return error instanceof Error && (error as { code?: unknown }).code === 'POP3KIT_STATE';
}

/** Another program holds the mbox lock (MboxLockedError): a 'busy', not a broken delivery. */
function isLockedError(error: unknown): error is Error {
  return error instanceof Error && (error as { code?: unknown }).code === 'POP3KIT_MBOX_LOCKED';
}

/** Runs `task` over `items` with at most `limit` at once (fsyncs overlap in the thread pool,
 * and ext4 commits concurrent fsyncs together). Every task settles before this rejects. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
