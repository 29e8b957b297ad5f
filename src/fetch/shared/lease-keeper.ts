/**
 * Keeps one lease alive while its account is fetched, and stops the fetch before the lease
 * can run out under it: renewals every quarter of the lease, and a local deadline measured
 * from when the last successful renewal was *sent* (the database's expiry is later than that),
 * less a fifth of the lease for safety. Past the deadline, or when a renewal finds the lease
 * taken over, the fetch is aborted at once: the POP3 connection closes before another worker
 * can be granted the account, so no mailbox is ever open twice.
 */
import type { Lease, LeaseBoard } from './lease-board.js';

export class LeaseLostError extends Error {
  readonly code = 'POP3KIT_LEASE_LOST';
}

export interface HeldLease {
  /** Aborted (with a LeaseLostError) when the lease is lost or about to be. */
  readonly signal: AbortSignal;
  stop(): void;
}

/** `claimedAt`: performance.now() just before the claim was sent. */
export function keepLease(board: LeaseBoard, lease: Lease, leaseMs: number, claimedAt: number): HeldLease {
  const controller = new AbortController();
  const margin = leaseMs / 5;
  let deadline = claimedAt + leaseMs - margin;
  let renewing = false;
  const lose = (why: string) => {
    if (controller.signal.aborted) return;
    stop();
    controller.abort(new LeaseLostError(`lost the lease on ${lease.account}: ${why}`));
  };
  const renew = async () => {
    if (renewing || controller.signal.aborted) return;
    renewing = true;
    const sentAt = performance.now();
    try {
      if (await board.renew(lease, leaseMs)) deadline = Math.max(deadline, sentAt + leaseMs - margin);
      else lose('another worker holds it now');
    } catch {
      // The database is out of reach: try again at the next tick; the watchdog decides.
    } finally {
      renewing = false;
    }
  };
  const renewals = setInterval(renew, leaseMs / 4);
  const watchdog = setInterval(
    () => {
      if (performance.now() > deadline) lose(`could not renew it within ${Math.round(leaseMs - margin)} ms`);
    },
    Math.min(1000, leaseMs / 10),
  );
  function stop() {
    clearInterval(renewals);
    clearInterval(watchdog);
  }
  return { signal: controller.signal, stop };
}
