/** How far ahead of the consumer bulk commands may run. */
export interface Window {
  /** Most results outstanding (issued and not yet consumed). */
  readonly count: number;
  /** Most weight (octets, from LIST sizes) outstanding; one item always goes. */
  readonly weight: number;
}

/**
 * Runs `issue` over `items` with a bounded number and weight of results outstanding,
 * yielding results in order. Refills in batches once half the window has drained, so the
 * commands of a refill are issued in one tick and leave in one write. Breaking out (or a
 * failure) stops issuing and waits for what was already sent, so later replies stay aligned
 * with their commands.
 */
export async function* pipelined<T, R>(
  items: Iterable<T>,
  issue: (item: T) => Promise<R>,
  window: Window,
  weigh: (item: T) => number,
  abandon?: (result: R) => void | Promise<void>,
): AsyncGenerator<R, void, undefined> {
  if (!Number.isSafeInteger(window.count) || window.count < 1) {
    throw new RangeError('window must be a positive integer');
  }
  const iterator = items[Symbol.iterator]();
  const pending: { readonly promise: Promise<R>; readonly weight: number }[] = [];
  let outstandingWeight = 0;
  let lookahead: IteratorResult<T> | undefined;
  /** The last refill stopped at the weight bound, not the count. */
  let heldByWeight = false;
  const refill = () => {
    heldByWeight = false;
    for (;;) {
      if (pending.length >= window.count) return;
      lookahead ??= iterator.next();
      if (lookahead.done) return;
      const weight = weigh(lookahead.value);
      if (pending.length > 0 && outstandingWeight + weight > window.weight) {
        heldByWeight = true;
        return;
      }
      const promise = issue(lookahead.value);
      lookahead = undefined;
      promise.catch(() => {}); // observed when its turn comes; avoids unhandled rejections
      pending.push({ promise, weight });
      outstandingWeight += weight;
    }
  };
  try {
    refill();
    while (pending.length > 0) {
      const head = pending.shift()!;
      const result = await head.promise;
      outstandingWeight -= head.weight;
      const drained = pending.length <= window.count >> 1;
      if (drained || (heldByWeight && outstandingWeight <= window.weight / 2)) refill();
      yield result;
    }
  } finally {
    for (const outcome of await Promise.allSettled(pending.map((entry) => entry.promise))) {
      if (outcome.status === 'fulfilled') await abandon?.(outcome.value);
    }
  }
}
