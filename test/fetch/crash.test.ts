// Issue 6's crash test: a fetch of 2,000 messages from pop3kit/server, run in a child process
// that is SIGKILLed at random points at least 50 times and restarted each time. At the end
// every message is delivered exactly once (by content hash), for Maildir and for mbox, the
// delete policy has emptied the server, and nothing is left pending, in tmp/ or locked.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { StateStore } from '../../src/fetch/state-store.js';
import type { Destination } from '../../src/fetch/types.js';
import {
  accountFor,
  compareDelivered,
  maildirMessages,
  makeMessages,
  mboxMessages,
  PASSWORD,
  startServer,
  type TestServer,
  tempDir,
} from './support.js';

const MESSAGES = 2000;
const KILLS = 50;
/** Messages per delivery batch in the child (the default is 100; smaller means more batches to hit). */
const BATCH = 16;
const CHILD = new URL('./fetch-child.js', import.meta.url).pathname;

/** When to kill a run: at a random time (startup, recovery, login, listing), a few ms after
 * the plan (the first RETRs, or DELE and QUIT when little is left), or a few ms after a random
 * number of messages arrived (mid-batch: writing, renaming, appending, recording). */
type KillPlan =
  | { readonly afterMs: number }
  | { readonly afterPlanMs: number }
  | { readonly afterReceived: number; readonly extraMs: number };

const randomInt = (max: number) => Math.floor(Math.random() * (max + 1));

function randomPlan(): KillPlan {
  const dice = Math.random();
  if (dice < 0.15) return { afterMs: randomInt(300) };
  if (dice < 0.3) return { afterPlanMs: randomInt(30) };
  // Half of these right at a batch boundary, when the batch is being written and recorded.
  if (dice < 0.65) return { afterReceived: BATCH * (1 + randomInt(4)), extraMs: randomInt(12) };
  return { afterReceived: 1 + randomInt(80), extraMs: randomInt(5) };
}

interface RunOutcome {
  readonly killed: boolean;
  readonly code: number | null;
  readonly delivered: number;
  readonly recovered: number;
  /** Of those, found delivered (the rest were undone and fetched again). */
  readonly recoveredDelivered: number;
  /** The error line of a run that failed. */
  readonly error: string | undefined;
}

/** One child run; kills it per `plan` unless it ends first. */
function runChild(input: object, plan: KillPlan | undefined): Promise<RunOutcome> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(input)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let delivered = 0;
  let recovered = 0;
  let recoveredDelivered = 0;
  let killed = false;
  let error: string | undefined;
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) {
      killed = child.kill('SIGKILL');
    }
  };
  if (plan && 'afterMs' in plan) setTimeout(kill, plan.afterMs);
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const event = JSON.parse(line) as Record<string, unknown>;
    if ('delivered' in event) delivered++;
    if (plan && 'afterPlanMs' in plan && 'plan' in event) setTimeout(kill, plan.afterPlanMs);
    if (plan && 'afterReceived' in plan && event.received === plan.afterReceived) {
      setTimeout(kill, plan.extraMs);
    }
    const warning =
      typeof event.warning === 'string'
        ? /^settled (\d+) deliveries .*: (\d+) had been delivered/.exec(event.warning)
        : null;
    if (warning) {
      recovered += Number(warning[1]);
      recoveredDelivered += Number(warning[2]);
    }
    if ('error' in event) error = `${String(event.error)}: ${String(event.message)}`;
  });
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      resolve({ killed: killed && code === null, code, delivered, recovered, recoveredDelivered, error });
    });
  });
}

async function crashLoop(server: TestServer, user: string, destination: Destination, dir: string) {
  const account = accountFor(server.port, user, dir, {
    destination,
    deletePolicy: { kind: 'after-delivery' },
  });
  const { password: _omit, ...serializable } = account;
  const input = { account: serializable, password: PASSWORD, batchMessages: BATCH };
  const figures = {
    kills: 0,
    killsMidDelivery: 0,
    recoveredPending: 0,
    recoveredDelivered: 0,
    runs: 0,
    busy: 0,
    finalRun: 0,
  };
  for (let killedLast = false; ; ) {
    const outcome = await runChild(input, figures.kills < KILLS ? randomPlan() : undefined);
    figures.runs++;
    figures.recoveredPending += outcome.recovered;
    figures.recoveredDelivered += outcome.recoveredDelivered;
    if (outcome.recovered > 0 && killedLast) figures.killsMidDelivery++;
    killedLast = outcome.killed;
    if (outcome.killed) figures.kills++;
    else if (outcome.code === 75) {
      figures.busy++; // the server had not yet noticed the killed session: try again
      await sleep(20);
    } else if (outcome.code === 0 && figures.kills >= KILLS) {
      figures.finalRun = outcome.delivered;
      break;
    } else assert.ok(outcome.code === 0, `a fetch run failed (exit ${outcome.code}): ${outcome.error}`);
    assert.ok(figures.runs < 500, 'the crash loop does not converge');
  }
  return { figures, account };
}

describe('crash test: SIGKILL at random points, restart, exactly once', { concurrency: false }, () => {
  const source = makeMessages(MESSAGES, 'crash');
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startServer({ maildir: source, mbox: source });
    dir = tempDir('pop3kit-crash-');
  });
  after(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['maildir', 'mbox'] as const) {
    it(`delivers ${MESSAGES} messages exactly once into ${kind} across ${KILLS}+ SIGKILLs`, async (t) => {
      const started = Date.now();
      const target = join(dir, kind === 'maildir' ? 'Maildir' : 'inbox.mbox');
      const destination: Destination = { kind, path: target };
      const { figures, account } = await crashLoop(server, kind, destination, join(dir));

      const delivered = kind === 'maildir' ? maildirMessages(target) : mboxMessages(target);
      const { lost, duplicates, unexpected } = compareDelivered(source, delivered);
      t.diagnostic(
        `${kind}: ${figures.kills} kills (${figures.killsMidDelivery} interrupted a delivery that the next ` +
          `run settled; of ${figures.recoveredPending} pending deliveries, ${figures.recoveredDelivered} had ` +
          `happened and the others were undone), ${figures.runs} runs, ` +
          `${figures.busy} busy retries, ${figures.finalRun} left for the last run, ` +
          `${delivered.length} delivered, lost=${lost.length} ` +
          `duplicates=${duplicates.length}, ${Math.round((Date.now() - started) / 1000)} s`,
      );
      assert.ok(figures.kills >= KILLS);
      assert.deepEqual(
        { lost: lost.length, duplicates: duplicates.length, unexpected: unexpected.length },
        {
          lost: 0,
          duplicates: 0,
          unexpected: 0,
        },
      );
      assert.equal(delivered.length, MESSAGES);
      assert.equal(server.store.messages(kind).length, 0, 'the delete policy left messages on the server');
      if (kind === 'maildir') assert.deepEqual(fs.readdirSync(join(target, 'tmp')), [], 'tmp/ is clean');
      else {
        const locks = fs.readdirSync(dir).filter((name) => name.startsWith('inbox.mbox.lock'));
        assert.deepEqual(locks, [], 'the mbox lock was released, and no half-taken one is left');
      }
      const store = StateStore.open(account.statePath, account.name, { readOnly: true });
      try {
        const pending = [...store.entries().values()].filter((e) => e.status === 'pending');
        assert.deepEqual(pending, [], 'no delivery is left pending');
      } finally {
        store.close();
      }
    });
  }
});
