/**
 * How a run is shown: JSON lines (`--json`), progress bars and a summary on a terminal, or
 * nothing but problems when stdout is not a terminal (cron mails only bad news). Errors and
 * warnings always go to stderr as text.
 */
import type { FetchEvents, MessageEvent } from '../../fetch/types.js';
import { formatSize, plannedLines, summaryLine } from './format.js';
import type { ProgressBars } from './progress.js';
import type { AccountResult } from './result.js';

export interface Reporter {
  events(account: string): FetchEvents;
  /** A notice before or during the run; `account` is undefined for the run as a whole. */
  warning(account: string | undefined, message: string): void;
  accountDone(result: AccountResult): void;
  finish(results: readonly AccountResult[], exitCode: number): void;
}

const PREFIX = 'pop3kit fetch: ';

function failedMessageText(event: MessageEvent): string {
  const why = event.error ? `: ${event.error.message}` : '';
  return `${event.account}: message ${event.msg} (uid ${event.uid}, ${formatSize(event.size)}) failed${why}`;
}

function stderrForResult(result: AccountResult, write: (line: string) => void): void {
  if (result.error) write(`${PREFIX}${summaryLine(result)}`);
}

/** Lines of JSON on stdout: `message`, `planned`, `warning`, and one `summary` at the end. */
export class JsonReporter implements Reporter {
  readonly #out: NodeJS.WritableStream;
  readonly #err: NodeJS.WritableStream;

  constructor(out: NodeJS.WritableStream, err: NodeJS.WritableStream) {
    this.#out = out;
    this.#err = err;
  }

  #line(value: object): void {
    this.#out.write(`${JSON.stringify(value)}\n`);
  }

  events(): FetchEvents {
    return {
      onMessage: (event) => {
        this.#line({
          type: 'message',
          account: event.account,
          uid: event.uid,
          msg: event.msg,
          size: event.size,
          outcome: event.outcome,
          location: event.location ?? null,
          reason: event.reason ?? null,
          error: event.error?.message ?? null,
        });
        if (event.outcome === 'failed') this.#err.write(`${PREFIX}${failedMessageText(event)}\n`);
      },
      onWarning: (warning) => this.warning(warning.account, warning.message),
    };
  }

  warning(account: string | undefined, message: string): void {
    this.#line({ type: 'warning', account: account ?? null, message });
    this.#err.write(`${PREFIX}warning: ${account ? `${account}: ` : ''}${message}\n`);
  }

  accountDone(result: AccountResult): void {
    if (result.dryRun)
      for (const m of result.summary?.planned ?? [])
        this.#line({ type: 'planned', account: result.account, uid: m.uid, msg: m.msg, size: m.size });
    stderrForResult(result, (line) => this.#err.write(`${line}\n`));
  }

  finish(results: readonly AccountResult[], exitCode: number): void {
    const accounts = results.map((r) => ({
      account: r.account,
      exitCode: r.exitCode,
      delivered: r.summary?.delivered ?? 0,
      skipped: r.summary?.skipped ?? 0,
      discarded: r.summary?.discarded ?? 0,
      deleted: r.summary?.deleted ?? 0,
      failed: r.summary?.failed ?? 0,
      octets: r.summary?.octets ?? 0,
      planned: r.summary?.planned.length ?? 0,
      recovered: r.summary?.recovered ?? 0,
      alreadySeen: r.alreadySeen ?? null,
      error: r.error ?? null,
    }));
    const total = (
      key: 'delivered' | 'skipped' | 'discarded' | 'deleted' | 'failed' | 'octets' | 'planned',
    ) => accounts.reduce((sum, a) => sum + a[key], 0);
    this.#line({
      type: 'summary',
      exitCode,
      dryRun: results[0]?.dryRun ?? false,
      delivered: total('delivered'),
      skipped: total('skipped'),
      discarded: total('discarded'),
      deleted: total('deleted'),
      failed: total('failed'),
      octets: total('octets'),
      planned: total('planned'),
      accounts,
    });
  }
}

export interface TextReporterOptions {
  /** Bars on a terminal; undefined when stderr is not one. */
  readonly bars: ProgressBars | undefined;
  /** A line per message and the summary, even when not on a terminal. */
  readonly verbose: boolean;
  /** The summary at the end (on a terminal unless --quiet, or with --verbose). */
  readonly summary: boolean;
}

/** Text for people: bars while it runs, then one line per account. */
export class TextReporter implements Reporter {
  readonly #out: NodeJS.WritableStream;
  readonly #err: NodeJS.WritableStream;
  readonly #options: TextReporterOptions;

  constructor(out: NodeJS.WritableStream, err: NodeJS.WritableStream, options: TextReporterOptions) {
    this.#out = out;
    this.#err = err;
    this.#options = options;
  }

  /** To stderr, above the bars when there are some. */
  #problem(line: string): void {
    if (this.#options.bars) this.#options.bars.log(line);
    else this.#err.write(`${line}\n`);
  }

  events(account: string): FetchEvents {
    const bars = this.#options.bars;
    let messages = 0;
    let octets = 0;
    let progressSeen = false;
    return {
      onPlan: (plan) => bars?.plan(account, plan.messages, plan.octets),
      onProgress: (progress) => {
        progressSeen = true;
        bars?.progress(account, progress.messages, progress.octets);
      },
      onMessage: (event) => {
        // Bars move with message events too, for a core that reports no finer progress.
        messages++;
        octets += event.size;
        if (!progressSeen) bars?.progress(account, messages, octets);
        if (event.outcome === 'failed') this.#problem(`${PREFIX}${failedMessageText(event)}`);
        else if (this.#options.verbose && !bars) {
          const where = event.location ? ` -> ${event.location}` : event.reason ? ` (${event.reason})` : '';
          this.#out.write(
            `${account}: ${event.outcome} ${event.msg} (uid ${event.uid}, ${formatSize(event.size)})${where}\n`,
          );
        }
      },
      onWarning: (warning) => this.warning(warning.account, warning.message),
    };
  }

  warning(account: string | undefined, message: string): void {
    this.#problem(`${PREFIX}warning: ${account ? `${account}: ` : ''}${message}`);
  }

  accountDone(result: AccountResult): void {
    this.#options.bars?.done(result.account, result.error === undefined);
    stderrForResult(result, (line) => this.#problem(line));
  }

  finish(results: readonly AccountResult[]): void {
    this.#options.bars?.stop();
    for (const result of results) {
      // A dry run exists to show its list, so it is printed even when not on a terminal.
      if (result.dryRun && !result.error) {
        this.#out.write(`${summaryLine(result)}\n`);
        for (const line of plannedLines(result)) this.#out.write(`${line}\n`);
      } else if (this.#options.summary) {
        this.#out.write(`${summaryLine(result)}\n`);
      }
    }
  }
}
