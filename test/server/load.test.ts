import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Pop3Client } from '../../src/index.js';
import { MemoryStore, Pop3Server } from '../../src/server/index.js';

const SESSIONS = 500;
const MESSAGES = 3;

/** A distinct message per user and number, with dot lines so stuffing is exercised. */
function message(user: number, n: number): string {
  return `From: load@example.org\r\nSubject: user ${user} message ${n}\r\n\r\n${'.dot line\r\nbody text\r\n'.repeat(50 + n)}`;
}

describe('load: 500 concurrent sessions on 127.0.0.1', () => {
  let server: Pop3Server;
  let port: number;
  const errors: Error[] = [];

  before(async () => {
    const store = new MemoryStore();
    const users: Record<string, string> = {};
    for (let u = 0; u < SESSIONS; u++) {
      users[`user${u}`] = `pw${u}`;
      for (let n = 1; n <= MESSAGES; n++) store.add(`user${u}`, message(u, n));
    }
    server = new Pop3Server({ store, users, authFailureDelay: 0 });
    server.on('sessionError', (_info, err) => errors.push(err));
    ({ port } = await server.listen());
  });
  after(() => server.close({ graceMs: 0 }));

  it('serves every session its whole mailbox with no error, and reports memory', async () => {
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const started = Date.now();
    // Phase 1: open and log in all sessions, so all 500 are held at once.
    const clients = await settle(
      Array.from({ length: SESSIONS }, (_, u) =>
        Pop3Client.connect({
          host: '127.0.0.1',
          port,
          timeout: 60_000,
          auth: { user: `user${u}`, pass: `pw${u}`, mechanism: 'USER' },
        }),
      ),
    );
    const held = server.connections;
    // Phase 2: every session retrieves its mailbox (pipelined RETR), all at the same time.
    await settle(
      clients.map(async (client, u) => {
        const { count } = await client.stat();
        assert.equal(count, MESSAGES);
        for await (const { msg, data } of client.retrMany([1, 2, 3])) {
          assert.equal(data.toString(), message(u, msg));
        }
      }),
    );
    // Phase 3: all log out.
    await settle(clients.map((client) => client.quit()));
    clearInterval(sampler);
    assert.equal(held, SESSIONS, 'all sessions were open at once');
    assert.deepEqual(errors, []);
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    console.log(
      `load: ${SESSIONS} sessions x ${MESSAGES} messages in ${Date.now() - started} ms; ` +
        `${held} open at once; RSS ${mib(rssBefore)} before, ${mib(peak)} peak, ` +
        `${mib(process.memoryUsage().rss)} after (client and server in one process)`,
    );
    for (let i = 0; i < 200 && server.connections > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.connections, 0);
  });
});

/** Awaits every promise; fails with the first few reasons if any rejected. */
async function settle<T>(promises: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  assert.deepEqual(
    failed.slice(0, 3).map((r) => String(r.reason)),
    [],
    `${failed.length} of ${promises.length} sessions failed`,
  );
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
