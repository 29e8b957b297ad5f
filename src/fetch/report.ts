/**
 * The running tally of a fetch: counts for the summary, and the events for the CLI. A
 * throwing event handler must not break a delivery half way, so handlers' errors are dropped.
 */
import type { ListedMessage } from './planner.js';
import type { FetchEvents, FetchSummary, MessageEvent, MessageOutcome } from './types.js';

/** Progress events at most this often while a big message streams. */
const PROGRESS_STEP = 1024 * 1024;

export class Report {
  readonly account: string;
  readonly #events: FetchEvents;
  readonly #counts: Record<MessageOutcome, number> = {
    delivered: 0,
    skipped: 0,
    discarded: 0,
    deleted: 0,
    failed: 0,
  };
  readonly #failures: { uid: string; msg: number; reason: string }[] = [];
  #planned: { uid: string; msg: number; size: number }[] = [];
  #recovered = 0;
  #octets = 0;
  #received = 0;
  #lastProgress = 0;

  constructor(account: string, events: FetchEvents = {}) {
    this.account = account;
    this.#events = events;
  }

  summary(): FetchSummary {
    return {
      account: this.account,
      ...this.#counts,
      octets: this.#octets,
      planned: this.#planned,
      failures: [...this.#failures],
      recovered: this.#recovered,
    };
  }

  plan(take: readonly ListedMessage[], alreadySeen: number): void {
    this.#planned = take.map(({ uid, msg, size }) => ({ uid, msg, size }));
    const octets = take.reduce((sum, m) => sum + m.size, 0);
    this.#call(() =>
      this.#events.onPlan?.({ account: this.account, messages: take.length, octets, alreadySeen }),
    );
  }

  recovered(count: number): void {
    this.#recovered += count;
  }

  /** Octets arrived for a message still streaming. */
  streamed(octets: number): void {
    this.#octets += octets;
    if (this.#octets - this.#lastProgress >= PROGRESS_STEP) this.#progress();
  }

  /** A whole message arrived (`octets` not yet counted through streamed()). */
  received(octets: number): void {
    this.#octets += octets;
    this.#received++;
    this.#progress();
  }

  message(m: ListedMessage, outcome: MessageOutcome, extra: Partial<MessageEvent> = {}): void {
    this.#counts[outcome]++;
    if (outcome === 'failed') {
      this.#failures.push({
        uid: m.uid,
        msg: m.msg,
        reason: extra.error?.message ?? extra.reason ?? 'failed',
      });
    }
    const event: MessageEvent = {
      account: this.account,
      uid: m.uid,
      msg: m.msg,
      size: m.size,
      outcome,
      ...extra,
    };
    this.#call(() => this.#events.onMessage?.(event));
  }

  warn(message: string): void {
    this.#call(() => this.#events.onWarning?.({ account: this.account, message }));
  }

  #progress(): void {
    this.#lastProgress = this.#octets;
    this.#call(() =>
      this.#events.onProgress?.({ account: this.account, messages: this.#received, octets: this.#octets }),
    );
  }

  #call(handler: () => void): void {
    try {
      handler();
    } catch {
      // The CLI's printing must never decide whether a message is delivered.
    }
  }
}
