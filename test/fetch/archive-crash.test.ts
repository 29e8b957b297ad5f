// The crash test for the archive destination, SQLite and PostgreSQL: a fetch in a child process SIGKILLed at random
// points (often right after a batch arrived, while it is being ingested and recorded) and
// restarted. At the end every message is archived exactly once, nothing is left pending and
// the delete policy has emptied the server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PostgresArchive } from '../../src/archive/postgres-archive.js';
import { SqliteArchive } from '../../src/archive/sqlite-archive.js';
import { StateStore } from '../../src/fetch/state-store.js';
import { type PrivatePostgres, postgresSkipReason, startPostgres } from '../helpers/postgres.js';
import { accountFor, makeMessages, PASSWORD, sha, startServer, type TestServer, tempDir } from './support.js';

const MESSAGES = 300;
const KILLS = 12;
const BATCH = 8;
const CHILD = new URL('./fetch-child.js', import.meta.url).pathname;

/** One child run, SIGKILLed a few ms after `killAfter` messages arrived (if it gets there). */
function runChild(input: object, killAfter: number | undefined) {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(input)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let killed = false;
  let recovered = 0;
  let recoveredDelivered = 0;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as Record<string, unknown>;
    if (killAfter !== undefined && event.received === killAfter) {
      setTimeout(
        () => {
          if (child.exitCode === null && child.signalCode === null) killed = child.kill('SIGKILL');
        },
        Math.floor(Math.random() * 6),
      );
    }
    const settled =
      typeof event.warning === 'string'
        ? /^settled (\d+) deliveries .*: (\d+) had been/.exec(event.warning)
        : null;
    if (settled) {
      recovered += Number(settled[1]);
      recoveredDelivered += Number(settled[2]);
    }
  });
  return new Promise<{ killed: boolean; code: number | null; recovered: number; recoveredDelivered: number }>(
    (resolve) =>
      child.once('exit', (code) =>
        resolve({ killed: killed && code === null, code, recovered, recoveredDelivered }),
      ),
  );
}

interface Store {
  readonly name: 'sqlite' | 'postgres';
  /** Where the archive goes, and a reader of what it holds: [messages, locations, blobs] and
   * each message's SHA-256. */
  prepare(dir: string): Promise<{ path: string; read(): Promise<{ counts: number[]; hashes: string[] }> }>;
  readonly skip: string | false;
}

let postgres: PrivatePostgres | undefined;

const STORES: Store[] = [
  {
    name: 'sqlite',
    skip: false,
    async prepare(dir) {
      const path = join(dir, 'archive.sqlite');
      return {
        path,
        async read() {
          const archive = SqliteArchive.open(path);
          try {
            const stats = archive.stats();
            const hashes = archive.search({ terms: [] }).map((row) => sha(archive.raw(row.id)!));
            return { counts: [stats.messages, stats.locations, stats.blobs], hashes };
          } finally {
            archive.close();
          }
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: postgresSkipReason(),
    async prepare() {
      postgres ??= await startPostgres();
      const path = await postgres!.createDatabase('crash');
      return {
        path,
        async read() {
          const archive = await PostgresArchive.open(path);
          try {
            const stats = await archive.stats();
            const rows = await archive.search({ terms: [] });
            const hashes: string[] = [];
            for (const row of rows) hashes.push(sha((await archive.raw(row.id))!));
            return { counts: [stats.messages, stats.locations, stats.blobs], hashes };
          } finally {
            await archive.close();
          }
        },
      };
    },
  },
];

after(async () => {
  await postgres?.stop();
});

for (const kind of STORES) {
  describe(`archive crash test (${kind.name}): SIGKILL mid-ingest, restart, exactly once`, {
    skip: kind.skip,
  }, () => {
    const source = makeMessages(MESSAGES, 'acrash');
    let server: TestServer;
    let dir: string;

    before(async () => {
      server = await startServer({ archive: source });
      dir = tempDir('pop3kit-archive-crash-');
    });
    after(async () => {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it(`archives ${MESSAGES} messages exactly once across ${KILLS} SIGKILLs`, async (t) => {
      const target = await kind.prepare(dir);
      const account = accountFor(server.port, 'archive', dir, {
        destination: { kind: 'archive', store: kind.name, path: target.path },
        deletePolicy: { kind: 'after-delivery' },
      });
      const { password: _omit, ...serializable } = account;
      const input = { account: serializable, password: PASSWORD, batchMessages: BATCH };
      let kills = 0;
      let runs = 0;
      let recovered = 0;
      let recoveredDelivered = 0;
      for (;;) {
        const killAfter = kills < KILLS ? 1 + Math.floor(Math.random() * 3) * BATCH + (kills % 3) : undefined;
        const outcome = await runChild(input, killAfter);
        runs++;
        recovered += outcome.recovered;
        recoveredDelivered += outcome.recoveredDelivered;
        if (outcome.killed) kills++;
        else if (outcome.code === 75) await sleep(20);
        else if (outcome.code === 0 && kills >= KILLS) break;
        else assert.equal(outcome.code, 0, 'a fetch run failed');
        assert.ok(runs < 200, 'the crash loop does not converge');
      }
      t.diagnostic(
        `${kills} kills, ${runs} runs, ${recovered} pending settled (${recoveredDelivered} had committed)`,
      );
      assert.ok(kills >= KILLS);
      const { counts, hashes } = await target.read();
      assert.deepEqual(counts, [MESSAGES, MESSAGES, MESSAGES]);
      assert.deepEqual(hashes.sort(), source.map((m) => sha(Buffer.from(m))).sort());
      assert.equal(server.store.messages('archive').length, 0, 'the delete policy emptied the server');
      const store = StateStore.open(account.statePath, account.name, { readOnly: true });
      try {
        // Messages deleted from the server are forgotten by the state; none may be left pending.
        const entries = [...store.entries().values()];
        assert.deepEqual(
          entries.filter((e) => e.status !== 'delivered'),
          [],
          'nothing left pending or new',
        );
      } finally {
        store.close();
      }
    });
  });
}
