// The planner's policies on plain data: what is fetched, skipped, deferred, deleted, forgotten.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyLimits,
  classify,
  deletionReason,
  type ListedMessage,
  vanished,
} from '../../src/fetch/planner.js';
import type { MessageStatus, StateEntry } from '../../src/fetch/state-store.js';

const DAY = 24 * 60 * 60 * 1000;
const listed = (sizes: number[]): ListedMessage[] =>
  sizes.map((size, i) => ({ msg: i + 1, uid: `u${i + 1}`, size }));
const state = (pairs: [string, MessageStatus, number?][]) =>
  new Map<string, StateEntry>(
    pairs.map(([uid, status, firstSeen]) => [
      uid,
      { uid, status, firstSeen: firstSeen ?? 0, pending: undefined },
    ]),
  );
const uids = (messages: readonly ListedMessage[]) => messages.map((m) => m.uid);

describe('planner', () => {
  it('fetches only what is not delivered or discarded yet', () => {
    const result = classify(
      listed([10, 10, 10, 10]),
      state([
        ['u1', 'delivered'],
        ['u2', 'discarded'],
        ['u3', 'new'],
      ]),
      {},
    );
    assert.deepEqual(uids(result.fresh), ['u3', 'u4']);
    assert.deepEqual(uids(result.done), ['u1', 'u2']);
  });

  it('skips messages over the size limit, or deletes them, delivered already or not', () => {
    const listing = listed([10, 500, 10, 900]);
    const entries = state([['u4', 'delivered']]);
    const skip = classify(listing, entries, { maxMessageSize: { limit: 100, action: 'skip' } });
    assert.deepEqual(
      [uids(skip.fresh), uids(skip.tooBigSkip), uids(skip.done)],
      [['u1', 'u3'], ['u2'], ['u4']],
    );
    const del = classify(listing, entries, { maxMessageSize: { limit: 100, action: 'delete' } });
    assert.deepEqual(
      [uids(del.fresh), uids(del.tooBigDelete)],
      [
        ['u1', 'u3'],
        ['u2', 'u4'],
      ],
    );
  });

  it('takes at most N messages and at most N octets, letting smaller ones past a big one', () => {
    assert.deepEqual(uids(applyLimits(listed([1, 1, 1, 1]), { maxMessages: 2 }).take), ['u1', 'u2']);
    const bytes = applyLimits(listed([40, 70, 30, 50]), { maxBytes: 100 });
    assert.deepEqual(
      [uids(bytes.take), uids(bytes.deferred)],
      [
        ['u1', 'u3'],
        ['u2', 'u4'],
      ],
    );
    assert.deepEqual(uids(applyLimits(listed([5, 5]), { maxMessages: 0 }).take), []);
    assert.deepEqual(uids(applyLimits(listed([5, 5]), {}).take), ['u1', 'u2']);
  });

  it('deletes by policy: never (keep), at once (after-delivery), or N days after first sight', () => {
    assert.equal(deletionReason({ kind: 'keep' }, 0, 100 * DAY), undefined);
    assert.equal(deletionReason({ kind: 'after-delivery' }, 5, 5), 'after-delivery');
    assert.equal(deletionReason({ kind: 'after-days', days: 3 }, DAY, 4 * DAY - 1), undefined);
    assert.equal(deletionReason({ kind: 'after-days', days: 3 }, DAY, 4 * DAY), 'after-days');
    assert.equal(deletionReason({ kind: 'after-days', days: 0 }, 7, 7), 'after-days');
  });

  it('forgets UIDs the server no longer lists', () => {
    assert.deepEqual(
      vanished(
        state([
          ['u1', 'delivered'],
          ['gone', 'delivered'],
          ['old', 'new'],
        ]),
        listed([1]),
      ),
      ['gone', 'old'],
    );
  });
});
