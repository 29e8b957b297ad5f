/**
 * What a run does with each message on the server, from the listing (UIDL + LIST), the state
 * and the account's policies. Pure: no I/O, so every policy is tested on plain data.
 */
import type { StateEntry } from './state-store.js';
import type { AccountConfig, DeletePolicy } from './types.js';

export interface ListedMessage {
  readonly msg: number;
  /** The UIDL, or the fallback key on servers without UIDL. */
  readonly uid: string;
  /** Octets, from LIST. */
  readonly size: number;
}

export interface Classified {
  /** Not delivered yet and not too big: candidates for this run (filters come next). */
  readonly fresh: ListedMessage[];
  /** Over maxMessageSize with action 'skip': left alone. */
  readonly tooBigSkip: ListedMessage[];
  /** Over maxMessageSize with action 'delete': recorded as discarded (unless delivered
   * already, under an earlier limit), then deleted whatever the delete policy. */
  readonly tooBigDelete: ListedMessage[];
  /** Delivered or discarded in an earlier run. */
  readonly done: ListedMessage[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function classify(
  listing: readonly ListedMessage[],
  entries: ReadonlyMap<string, StateEntry>,
  config: Pick<AccountConfig, 'maxMessageSize'>,
): Classified {
  const result: Classified = { fresh: [], tooBigSkip: [], tooBigDelete: [], done: [] };
  const limit = config.maxMessageSize;
  for (const message of listing) {
    const status = entries.get(message.uid)?.status;
    const done = status === 'delivered' || status === 'discarded';
    const tooBig = limit !== undefined && message.size > limit.limit;
    // Checked every run, so a deletion that an interrupted run could not commit happens later.
    if (tooBig && limit.action === 'delete') result.tooBigDelete.push(message);
    else if (done) result.done.push(message);
    else if (tooBig) result.tooBigSkip.push(message);
    else result.fresh.push(message);
  }
  return result;
}

/**
 * At most `maxMessages` messages and `maxBytes` octets, in server order. A message that does
 * not fit in the bytes left waits for a later run, and smaller ones after it still come.
 */
export function applyLimits(
  candidates: readonly ListedMessage[],
  limits: Pick<AccountConfig, 'maxMessages' | 'maxBytes'>,
): { take: ListedMessage[]; deferred: ListedMessage[] } {
  const take: ListedMessage[] = [];
  const deferred: ListedMessage[] = [];
  let bytes = 0;
  for (const message of candidates) {
    const countOk = limits.maxMessages === undefined || take.length < limits.maxMessages;
    const bytesOk = limits.maxBytes === undefined || bytes + message.size <= limits.maxBytes;
    if (countOk && bytesOk) {
      take.push(message);
      bytes += message.size;
    } else deferred.push(message);
  }
  return { take, deferred };
}

/** Why a delivered (or discarded) message is deleted now, or undefined to keep it. */
export function deletionReason(
  policy: DeletePolicy,
  firstSeen: number,
  now: number,
): 'after-delivery' | 'after-days' | undefined {
  if (policy.kind === 'after-delivery') return 'after-delivery';
  if (policy.kind === 'after-days' && now - firstSeen >= policy.days * DAY_MS) return 'after-days';
  return undefined;
}

/** UIDs in the state that this listing no longer has: forgotten after a successful QUIT. */
export function vanished(
  entries: ReadonlyMap<string, StateEntry>,
  listing: readonly ListedMessage[],
): string[] {
  const present = new Set(listing.map((m) => m.uid));
  return [...entries.keys()].filter((uid) => !present.has(uid));
}
