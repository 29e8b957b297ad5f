// The pipelining gate under the bulk commands: 'auto' follows CAPA, 'on' and 'off' force it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numberedMessage, numbersOf, startStub } from './stub-server.js';
import { connectTo, range } from './support.js';

const messages = range(15).map(numberedMessage);
const WITHOUT_PIPELINING = ['USER', 'TOP', 'UIDL'];

async function retrieveAll(port: Parameters<typeof connectTo>[0], options: Parameters<typeof connectTo>[1]) {
  const client = await connectTo(port, options);
  const got: number[] = [];
  for await (const { msg, data } of client.retrMany(range(15))) {
    got.push(msg);
    assert.deepEqual(data, messages[msg - 1]);
  }
  await client.deleMany([1, 2, 3]);
  await client.quit();
  return got;
}

describe('pipelining gate', { timeout: 60_000 }, () => {
  it('sends commands one at a time when CAPA does not list PIPELINING', async () => {
    const server = await startStub({ messages, capabilities: WITHOUT_PIPELINING });
    try {
      assert.deepEqual(await retrieveAll(server, { maxInFlight: 10 }), range(15));
      assert.equal(server.stats.maxInFlight, 1);
      assert.ok(server.stats.commandsPerRead.every((n) => n <= 1));
      assert.deepEqual(numbersOf(server.stats, 'RETR'), range(15));
      assert.deepEqual(numbersOf(server.stats, 'DELE'), [1, 2, 3]);
    } finally {
      await server.close();
    }
  });

  it("pipelines in the window when CAPA lists PIPELINING ('auto')", async () => {
    const server = await startStub({ messages });
    try {
      assert.deepEqual(await retrieveAll(server, { maxInFlight: 10 }), range(15));
      assert.equal(server.stats.maxInFlight, 10);
    } finally {
      await server.close();
    }
  });

  it("pipelining: 'off' sends one at a time even when CAPA lists PIPELINING", async () => {
    const server = await startStub({ messages });
    try {
      assert.deepEqual(await retrieveAll(server, { maxInFlight: 10, pipelining: 'off' }), range(15));
      assert.equal(server.stats.maxInFlight, 1);
    } finally {
      await server.close();
    }
  });

  it("pipelining: 'on' pipelines even when CAPA does not list PIPELINING", async () => {
    const server = await startStub({ messages, capabilities: WITHOUT_PIPELINING });
    try {
      assert.deepEqual(await retrieveAll(server, { maxInFlight: 5, pipelining: 'on' }), range(15));
      assert.equal(server.stats.maxInFlight, 5);
    } finally {
      await server.close();
    }
  });

  it('without PIPELINING, an early break still leaves the session in step', async () => {
    const server = await startStub({ messages, capabilities: WITHOUT_PIPELINING });
    try {
      const client = await connectTo(server, { maxInFlight: 10 });
      for await (const { msg } of client.retrMany(range(15))) if (msg === 4) break;
      assert.equal(await client.noop(), 'noop 1');
      assert.equal(server.stats.maxInFlight, 1);
      await client.quit();
    } finally {
      await server.close();
    }
  });
});
