/** Progress bars on a terminal: one per account, by octets, with messages, rate and ETA. */
import cliProgress from 'cli-progress';
import { formatRate, formatSize } from './format.js';

interface BarState {
  readonly bar: cliProgress.SingleBar;
  readonly started: number;
  readonly totalMessages: number;
  readonly totalOctets: number;
}

export class ProgressBars {
  readonly #multi: cliProgress.MultiBar;
  readonly #bars = new Map<string, BarState>();
  readonly #nameWidth: number;
  readonly #now: () => number;

  constructor(stream: NodeJS.WritableStream, accounts: readonly string[], now: () => number = Date.now) {
    this.#nameWidth = Math.min(32, Math.max(0, ...accounts.map((a) => a.length)));
    this.#now = now;
    this.#multi = new cliProgress.MultiBar({
      stream: stream as NodeJS.WriteStream,
      format:
        '{account} {bar} {percentage}% | {messages}/{totalMessages} msgs | {done}/{size} | {rate} | ETA {eta_formatted}',
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      fps: 10,
      autopadding: true,
    });
  }

  /** Adds the account's bar once its plan is known (nothing to fetch: no bar). */
  plan(account: string, messages: number, octets: number): void {
    if (messages === 0 || this.#bars.has(account)) return;
    const label = account.length > this.#nameWidth ? `${account.slice(0, this.#nameWidth - 1)}…` : account;
    const totalOctets = Math.max(octets, 1);
    const bar = this.#multi.create(totalOctets, 0, {
      account: label.padEnd(this.#nameWidth),
      messages: 0,
      totalMessages: messages,
      done: formatSize(0),
      size: formatSize(octets),
      rate: formatRate(0),
    });
    this.#bars.set(account, { bar, started: this.#now(), totalMessages: messages, totalOctets });
  }

  progress(account: string, messages: number, octets: number): void {
    const state = this.#bars.get(account);
    if (!state) return;
    const seconds = Math.max((this.#now() - state.started) / 1000, 0.001);
    state.bar.update(Math.min(octets, state.totalOctets), {
      messages: Math.min(messages, state.totalMessages),
      done: formatSize(octets),
      rate: formatRate(octets / seconds),
    });
  }

  /** Marks the account's bar complete (when it was), leaving it on screen. */
  done(account: string, completed: boolean): void {
    const state = this.#bars.get(account);
    if (state && completed)
      state.bar.update(state.totalOctets, {
        messages: state.totalMessages,
        done: formatSize(state.totalOctets),
      });
  }

  /** A line above the bars (warnings, failed messages). */
  log(line: string): void {
    this.#multi.log(`${line}\n`);
  }

  stop(): void {
    this.#multi.update();
    this.#multi.stop();
  }
}
