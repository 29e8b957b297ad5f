/**
 * One POP3 session of a run, once logged in and with the state settled: list, decide, retrieve
 * and deliver, then DELE what the policies say (only messages recorded as delivered or
 * discarded), QUIT to commit, and forget the UIDs the server no longer has.
 */
import type { Pop3Client } from '../index.js';
import { DeliverySink, type SinkOptions } from './delivery-sink.js';
import { listMessages } from './listing.js';
import { applyLimits, classify, deletionReason, type ListedMessage, vanished } from './planner.js';
import type { Report } from './report.js';
import { retrieveAll } from './retrieve.js';
import { screen } from './screen.js';
import type { StateStore } from './state-store.js';
import type { AccountConfig, Destination } from './types.js';

export interface SessionContext {
  readonly client: Pop3Client;
  readonly config: AccountConfig;
  readonly store: StateStore;
  readonly report: Report;
  readonly sink: SinkOptions;
  readonly now: () => number;
  readonly streamAbove: number;
  readonly signal: AbortSignal | undefined;
}

export async function runSession(ctx: SessionContext): Promise<void> {
  const { client, config, store, report, now } = ctx;
  const { messages: listing } = await listMessages(client, (w) => report.warn(w));
  store.recordSeen(
    listing.map((m) => m.uid),
    now(),
  );
  const before = store.entries();
  const classified = classify(listing, before, config);
  for (const message of classified.tooBigSkip) report.message(message, 'skipped', { reason: 'too-big' });
  const undeliveredTooBig = classified.tooBigDelete.filter((m) => before.get(m.uid)?.status === 'new');
  store.markDone(
    undeliveredTooBig.map((m) => ({ uid: m.uid, status: 'discarded' })),
    now(),
  );

  const screened = await screen(client, classified.fresh, config);
  for (const { message, reason } of screened.skip) report.message(message, 'skipped', { reason });
  for (const { message, error } of screened.fail) report.message(message, 'failed', { error });
  store.markDone(
    screened.discard.map(({ message }) => ({ uid: message.uid, status: 'discarded' })),
    now(),
  );
  for (const { message, reason } of screened.discard) report.message(message, 'discarded', { reason });

  const destinations = new Map<number, Destination>(
    screened.deliver.map((d) => [d.message.msg, d.destination]),
  );
  const { take, deferred } = applyLimits(
    screened.deliver.map((d) => d.message),
    config,
  );
  for (const message of deferred) report.message(message, 'skipped', { reason: 'limit' });
  report.plan(take, classified.done.length);

  // A delivery failure stops retrieval, but what was delivered may still be deleted and the
  // session closed cleanly; a lost connection leaves nothing more to do.
  let stopped: unknown;
  try {
    const items = take.map((message) => ({ message, destination: destinations.get(message.msg)! }));
    await retrieveAll(client, items, new DeliverySink(ctx.sink, report), report, {
      streamAbove: ctx.streamAbove,
      signal: ctx.signal,
    });
  } catch (error) {
    if (client.state === 'closed' || ctx.signal?.aborted) throw error;
    stopped = error;
  }

  const after = store.entries();
  const tooBig = new Set(classified.tooBigDelete.map((m) => m.uid));
  const doomed: { message: ListedMessage; reason: string }[] = [];
  for (const message of listing) {
    const entry = after.get(message.uid);
    if (entry === undefined || (entry.status !== 'delivered' && entry.status !== 'discarded')) continue;
    const reason = tooBig.has(message.uid)
      ? 'too-big'
      : deletionReason(config.deletePolicy, entry.firstSeen, now());
    if (reason !== undefined) doomed.push({ message, reason });
  }
  const marked = await markDeleted(client, doomed, report);
  await client.quit();
  // QUIT's +OK means the server has removed them (RFC 1939 §6).
  for (const { message, reason } of marked) report.message(message, 'deleted', { reason });
  store.forget([...vanished(after, listing), ...marked.map((d) => d.message.uid)]);
  if (stopped !== undefined) throw stopped;
}

/** DELE each (pipelined); a message the server will not mark stays, with a warning. */
async function markDeleted(
  client: Pop3Client,
  doomed: readonly { message: ListedMessage; reason: string }[],
  report: Report,
): Promise<{ message: ListedMessage; reason: string }[]> {
  const outcomes = await Promise.allSettled(doomed.map(({ message }) => client.dele(message.msg)));
  const marked: { message: ListedMessage; reason: string }[] = [];
  for (const [i, outcome] of outcomes.entries()) {
    const item = doomed[i]!;
    if (outcome.status === 'fulfilled') marked.push(item);
    else if (client.state === 'closed') throw outcome.reason;
    else report.warn(`DELE of ${item.message.uid} refused: ${(outcome.reason as Error).message}`);
  }
  return marked;
}
