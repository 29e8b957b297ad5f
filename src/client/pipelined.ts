/**
 * Runs `issue` over `items` with at most `window` results outstanding, yielding results in
 * order. Refills in batches once half the window has drained, so the commands of a refill
 * are issued in one tick and leave in one write. Breaking out (or a failure) stops issuing
 * and waits for what was already sent, so later replies stay aligned with their commands.
 */
export async function* pipelined<T, R>(
  items: Iterable<T>,
  issue: (item: T) => Promise<R>,
  window: number,
  abandon?: (result: R) => void | Promise<void>,
): AsyncGenerator<R, void, undefined> {
  if (!Number.isSafeInteger(window) || window < 1) throw new RangeError('window must be a positive integer');
  const iterator = items[Symbol.iterator]();
  const pending: Promise<R>[] = [];
  let exhausted = false;
  const refill = () => {
    while (!exhausted && pending.length < window) {
      const next = iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const promise = issue(next.value);
      promise.catch(() => {}); // observed when its turn comes; avoids unhandled rejections
      pending.push(promise);
    }
  };
  try {
    refill();
    while (pending.length > 0) {
      const result = await pending.shift()!;
      if (pending.length <= window >> 1) refill();
      yield result;
    }
  } finally {
    for (const outcome of await Promise.allSettled(pending)) {
      if (outcome.status === 'fulfilled') await abandon?.(outcome.value);
    }
  }
}
