// runFetch in process, with a stand-in for the retriever core: how accounts are scheduled,
// how outcomes become exit codes, and what the reporters print (progress bars on a fake TTY).
// The real core is exercised end to end in fetch*.test.ts.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type CliIo, type FetchCore, type FetchFlags, runFetch } from '../../src/cli/fetch/run.js';
import type { AccountConfig, FetchFailureKind, FetchOptions, FetchSummary } from '../../src/fetch/types.js';
import { jsonLines, TempDir } from './helpers.js';

class Capture extends Writable {
  text = '';
  readonly isTTY: boolean;
  readonly columns = 120;
  constructor(isTTY = false) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

function summary(account: string, fields: Partial<FetchSummary> = {}): FetchSummary {
  return {
    account,
    delivered: 0,
    skipped: 0,
    discarded: 0,
    deleted: 0,
    failed: 0,
    octets: 0,
    planned: [],
    failures: [],
    recovered: 0,
    ...fields,
  };
}

/** Shaped like src/fetch's FetchError, which the CLI recognises by its `kind`. */
function fetchError(kind: FetchFailureKind, account: string, cause?: Error): Error {
  return Object.assign(new Error(`fetch of ${account} stopped (${kind})`, { cause }), {
    kind,
    summary: summary(account),
  });
}

type Behaviour = (config: AccountConfig, options: FetchOptions) => Promise<FetchSummary>;

function core(behaviours: Record<string, Behaviour>): FetchCore & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    fetchAccount: (config, options) => {
      calls.push(config.name);
      const behaviour = behaviours[config.name];
      if (!behaviour) throw new Error(`no behaviour for ${config.name}`);
      return behaviour(config, options);
    },
  };
}

describe('runFetch with a stand-in core', () => {
  let dir: TempDir;
  let n = 0;
  const io = (tty = false): CliIo & { stdout: Capture; stderr: Capture } => ({
    stdout: new Capture(tty),
    stderr: new Capture(tty),
    stdin: Readable.from([]),
    env: { PW: 'pw' },
    cwd: dir.path,
    home: dir.path,
  });
  /** A config file with accounts named as given (all on host h). */
  const config = (names: string[], jobs?: number): FetchFlags => {
    const file = join(dir.path, `c${++n}.yaml`);
    const accounts = names.map((name) => `  - { name: ${name}, host: h, user: u-${name}, password-env: PW }`);
    writeFileSync(
      file,
      `${jobs ? `jobs: ${jobs}\n` : ''}defaults:\n  state: state/s${n}.sqlite\n  to: maildir:m${n}\naccounts:\n${accounts.join('\n')}\n`,
    );
    return { config: file };
  };

  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  it('gives each account its outcome and exits with the most serious one', async () => {
    const out = io();
    const stand = core({
      ok: async (c) => summary(c.name, { delivered: 2, octets: 10 }),
      partial: async (c) => summary(c.name, { delivered: 1, failed: 1 }),
      busy: async (c) => {
        throw fetchError('busy', c.name, new Error('-ERR [IN-USE] locked'));
      },
    });
    const { exitCode, results } = await runFetch(
      { ...config(['ok', 'partial', 'busy']), json: true },
      out,
      async () => stand,
    );
    assert.equal(exitCode, 6);
    assert.deepEqual(
      results.map((r) => [r.account, r.exitCode]),
      [
        ['ok', 0],
        ['partial', 1],
        ['busy', 6],
      ],
    );
    const last = jsonLines(out.stdout.text).at(-1)!;
    assert.equal(last.exitCode, 6);
    assert.deepEqual((last.accounts as { error: unknown }[])[2]!.error, {
      kind: 'busy',
      message: '-ERR [IN-USE] locked',
    });
    assert.match(out.stderr.text, /busy: FAILED \(busy\): -ERR \[IN-USE\] locked/);
  });

  it('fetches at most `jobs` accounts at once, and every account once', async () => {
    let active = 0;
    let most = 0;
    let release!: () => void;
    const bothStarted = new Promise<void>((resolve) => (release = resolve));
    const behaviour: Behaviour = async (c) => {
      active++;
      most = Math.max(most, active);
      // The first two wait for each other: a runner that went one at a time would hang here.
      if (active === 2) release();
      await bothStarted;
      await new Promise((resolve) => setImmediate(resolve));
      active--;
      return summary(c.name);
    };
    const names = ['a', 'b', 'c', 'd', 'e'];
    const stand = core(Object.fromEntries(names.map((name) => [name, behaviour])));
    const { exitCode } = await runFetch(config(names, 2), io(), async () => stand);
    assert.equal(exitCode, 0);
    assert.equal(most, 2);
    assert.deepEqual([...stand.calls].sort(), names);
  });

  it('calls a failing password command an auth failure (3), whatever kind the core gives it', async () => {
    const out = io();
    const file = join(dir.path, 'pwcmd.yaml');
    writeFileSync(
      file,
      'accounts:\n  - { name: a, host: h, user: u, password-command: "exit 7", state: s.sqlite }\n',
    );
    const stand = core({
      a: async (c) => {
        try {
          await c.password!();
        } catch (error) {
          throw fetchError('protocol', c.name, error as Error);
        }
        return summary(c.name);
      },
    });
    const { exitCode } = await runFetch({ config: file }, out, async () => stand);
    assert.equal(exitCode, 3);
    assert.match(out.stderr.text, /a: FAILED \(auth\): the password command of a exited with status 7/);
  });

  it('reports an error the core does not classify as internal (70), with its stack', async () => {
    const out = io();
    const stand = core({
      a: async () => {
        throw new RangeError('surprise');
      },
    });
    const { exitCode } = await runFetch(config(['a']), out, async () => stand);
    assert.equal(exitCode, 70);
    assert.match(out.stderr.text, /a: FAILED \(internal\): RangeError: surprise\n {4}at /);
  });

  it('starts no account once the signal fired, and exits 130', async () => {
    const controller = new AbortController();
    const stand = core({
      a: async (c) => {
        controller.abort();
        return summary(c.name, { delivered: 1 });
      },
      b: async (c) => summary(c.name),
    });
    const out = io();
    const { exitCode, results } = await runFetch(
      { ...config(['a', 'b'], 1), verbose: true },
      out,
      async () => stand,
      {
        signal: controller.signal,
      },
    );
    assert.equal(exitCode, 130);
    assert.deepEqual(stand.calls, ['a']);
    assert.equal(results[1]!.error?.kind, 'interrupted');
    assert.match(out.stdout.text, /^a: 1 delivered .*\nb: FAILED \(interrupted\): not started/m);
  });

  it('draws a progress bar per account on a terminal, then prints the summary', async () => {
    const out = io(true);
    const stand = core({
      box: async (c, options) => {
        const events = options.events!;
        events.onPlan?.({ account: c.name, messages: 3, octets: 3000, alreadySeen: 4 });
        for (let i = 1; i <= 3; i++) {
          events.onProgress?.({ account: c.name, messages: i, octets: i * 1000 });
          events.onMessage?.({
            account: c.name,
            uid: `u${i}`,
            msg: i,
            size: 1000,
            outcome: 'delivered',
            location: `/m/${i}`,
          });
        }
        events.onWarning?.({ account: c.name, message: 'no UIDL: using Message-ID' });
        return summary(c.name, { delivered: 3, octets: 3000 });
      },
    });
    const { exitCode } = await runFetch(config(['box']), out, async () => stand);
    assert.equal(exitCode, 0);
    assert.match(
      out.stderr.text,
      /box .*100% \| 3\/3 msgs \| 2\.9 KiB\/2\.9 KiB \| [\d.]+ [KMG]?i?B\/s \| ETA/,
    );
    assert.match(out.stderr.text, /pop3kit fetch: warning: box: no UIDL: using Message-ID/);
    assert.match(out.stdout.text, /^box: 3 delivered \(2\.9 KiB\) to maildir .*m\d+; 4 already seen\n$/);
  });

  it('stays quiet when stdout is not a terminal, but reports failed messages on stderr', async () => {
    const out = io(false);
    const stand = core({
      q: async (c, options) => {
        options.events?.onMessage?.({
          account: c.name,
          uid: 'u9',
          msg: 9,
          size: 2048,
          outcome: 'failed',
          error: new Error('RETR failed: -ERR gone'),
        });
        return summary(c.name, { delivered: 4, failed: 1 });
      },
    });
    const { exitCode } = await runFetch(config(['q']), out, async () => stand);
    assert.equal(exitCode, 1);
    assert.equal(out.stdout.text, '');
    assert.equal(
      out.stderr.text,
      'pop3kit fetch: q: message 9 (uid u9, 2.0 KiB) failed: RETR failed: -ERR gone\n',
    );
  });
});
