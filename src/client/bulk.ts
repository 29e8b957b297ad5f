/** The bulk commands' items, options and the ordered stream-of-streams (retrManyStreams). */
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { MessageSize } from '../protocol/listings.js';
import { pipelined, type Window } from './pipelined.js';

/** A message number, or a LIST entry whose size lets the window bound the octets in flight. */
export type BulkItem = number | MessageSize;

/** Options of the bulk commands (retrMany, topMany, retrManyStreams). */
export interface BulkOptions {
  /** Most commands issued ahead of the consumer (default: the connection's maxInFlight). */
  readonly window?: number;
  /** Most octets of messages requested and not yet consumed, counted from the sizes of LIST
   * entries given as items (default 16 MiB); one message always goes, however large. */
  readonly maxBytesInFlight?: number;
}

export interface RetrievedMessage<T> {
  readonly msg: number;
  readonly data: T;
}

export const DEFAULT_MAX_BYTES_IN_FLIGHT = 16 * 1024 * 1024;

export const msgOf = (item: BulkItem): number => (typeof item === 'number' ? item : item.msg);
export const sizeOf = (item: BulkItem): number => (typeof item === 'number' ? 0 : item.size);

/** Fetches each item with `fetch` in the window, yielding results in order. */
export function fetchMany<T>(
  items: Iterable<BulkItem>,
  fetch: (msg: number) => Promise<T>,
  window: Window,
  weigh: (item: BulkItem) => number,
): AsyncGenerator<RetrievedMessage<T>, void, undefined> {
  return pipelined(
    items,
    async (item) => ({ msg: msgOf(item), data: await fetch(msgOf(item)) }),
    window,
    weigh,
  );
}

/**
 * Streams in order: each yielded stream must be read to its end (or destroyed) for the next
 * message to arrive, so the next is yielded only once the previous has finished.
 */
export async function* streamMany(
  items: Iterable<BulkItem>,
  open: (msg: number) => Promise<Readable>,
  window: Window,
): AsyncGenerator<RetrievedMessage<Readable>, void, undefined> {
  const abandon = (item: RetrievedMessage<Readable>) => {
    item.data.destroy();
  };
  let previous: Readable | undefined;
  const opened = pipelined(
    items,
    async (item) => ({ msg: msgOf(item), data: await open(msgOf(item)) }),
    window,
    sizeOf,
    abandon,
  );
  for await (const item of opened) {
    if (previous) await finished(previous).catch(() => {});
    previous = item.data;
    let resumed = false;
    try {
      yield item;
      resumed = true;
    } finally {
      // The caller left the loop: an unread stream would hold the socket paused and the
      // drain of what was already sent would wait forever, so its rest is discarded.
      if (!resumed) item.data.destroy();
    }
  }
}
