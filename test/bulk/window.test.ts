// The pipelining window of the bulk commands: how many commands are in flight, seen from the
// server, which holds every reply a moment so a client that overshoots would be caught.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pop3ServerError } from '../../src/index.js';
import { numberedMessage, numbersOf, startStub } from './stub-server.js';
import { connectTo, range } from './support.js';

const messages = range(40).map(numberedMessage);

describe('retrMany window', { timeout: 60_000 }, () => {
  it('never has more than maxInFlight commands in flight, and fills the window', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 6 });
      const got: number[] = [];
      for await (const { msg, data } of client.retrMany(range(40))) {
        got.push(msg);
        assert.deepEqual(data, messages[msg - 1]);
      }
      await client.quit();
      assert.deepEqual(got, range(40));
      assert.deepEqual(numbersOf(server.stats, 'RETR'), range(40));
      assert.equal(server.stats.maxInFlight, 6);
    } finally {
      await server.close();
    }
  });

  it("bounds commands in flight by the call's window when it is below maxInFlight", async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 100 });
      let count = 0;
      for await (const _ of client.retrMany(range(25), { window: 3 })) count++;
      await client.quit();
      assert.equal(count, 25);
      assert.equal(server.stats.maxInFlight, 3);
    } finally {
      await server.close();
    }
  });

  it("bounds commands in flight by maxInFlight when the call's window is larger", async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 4 });
      let count = 0;
      for await (const _ of client.retrMany(range(30), { window: 20 })) count++;
      await client.quit();
      assert.equal(count, 30);
      assert.equal(server.stats.maxInFlight, 4);
    } finally {
      await server.close();
    }
  });

  it('writes the first window of RETRs in one write', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 8 });
      const before = server.stats.commandsPerRead.length;
      let count = 0;
      for await (const _ of client.retrMany(range(20))) count++;
      await client.quit();
      assert.equal(count, 20);
      // The read right after login carries the whole first window: 8 RETRs in one segment.
      assert.equal(server.stats.commandsPerRead[before], 8);
    } finally {
      await server.close();
    }
  });

  it('yields messages in the order asked, for a shuffled list with repeats', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 5 });
      const asked = [7, 3, 40, 1, 3, 22, 15, 9, 2, 31, 7, 18];
      const got: number[] = [];
      for await (const { msg, data } of client.retrMany(asked)) {
        got.push(msg);
        assert.match(data.toString('latin1'), new RegExp(`This is message ${msg}\\.`));
        // Dot-stuffing undone: the body is byte for byte what the server holds.
        assert.deepEqual(data, messages[msg - 1]);
      }
      await client.quit();
      assert.deepEqual(got, asked);
      assert.deepEqual(numbersOf(server.stats, 'RETR'), asked);
    } finally {
      await server.close();
    }
  });

  it('rejects a window that is not a positive integer', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server);
      for (const window of [0, -1, 1.5, Number.NaN]) {
        await assert.rejects(async () => {
          for await (const _ of client.retrMany([1, 2], { window })) {
            // never reached
          }
        }, RangeError);
      }
      assert.equal(await client.noop(), 'noop 1');
      await client.quit();
      assert.deepEqual(numbersOf(server.stats, 'RETR'), []);
    } finally {
      await server.close();
    }
  });

  it('ends the loop with the Pop3ServerError of a refused message; the session stays usable', async () => {
    const server = await startStub({ messages, refuse: ['RETR 4'] });
    try {
      const client = await connectTo(server, { maxInFlight: 5 });
      const got: number[] = [];
      await assert.rejects(
        async () => {
          for await (const { msg } of client.retrMany(range(12))) got.push(msg);
        },
        (error: unknown) => error instanceof Pop3ServerError && error.command === 'RETR',
      );
      assert.deepEqual(got, [1, 2, 3]);
      // What was already sent is drained: the NOOP gets its own reply, not a stale RETR's.
      assert.equal(await client.noop(), 'noop 1');
      assert.deepEqual(await client.retr(2), messages[1]);
      await client.quit();
      assert.ok(server.stats.maxInFlight <= 5);
    } finally {
      await server.close();
    }
  });
});

describe('topMany window', { timeout: 60_000 }, () => {
  it('pipelines TOP in the window and yields headers in order', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 4 });
      const got: number[] = [];
      for await (const { msg, data } of client.topMany(range(10), 0)) {
        got.push(msg);
        assert.equal(data.toString('latin1'), `Subject: message ${msg}\r\n\r\n`);
      }
      await client.quit();
      assert.deepEqual(got, range(10));
      assert.deepEqual(
        server.stats.commands.filter((c) => c.startsWith('TOP')),
        range(10).map((n) => `TOP ${n} 0`),
      );
      assert.equal(server.stats.maxInFlight, 4);
    } finally {
      await server.close();
    }
  });
});

describe('deleMany', { timeout: 60_000 }, () => {
  it('pipelines DELE within maxInFlight and marks every message', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 8 });
      await client.deleMany(range(20));
      assert.deepEqual(numbersOf(server.stats, 'DELE'), range(20));
      assert.ok(server.stats.maxInFlight > 1, 'DELE commands were pipelined');
      assert.ok(server.stats.maxInFlight <= 8, `at most 8 in flight, saw ${server.stats.maxInFlight}`);
      assert.deepEqual(await client.stat(), {
        count: 20,
        size: messages.slice(20).reduce((s, m) => s + m.length, 0),
      });
      await client.quit();
    } finally {
      await server.close();
    }
  });

  it('waits for every reply, then rejects with the first error; the session stays in step', async () => {
    const server = await startStub({ messages, refuse: ['DELE 3', 'DELE 5'] });
    try {
      const client = await connectTo(server);
      await assert.rejects(
        client.deleMany(range(8)),
        (error: unknown) => error instanceof Pop3ServerError && error.response === 'refused DELE 3',
      );
      // All eight DELEs were answered before the rejection: the next reply is the NOOP's.
      assert.deepEqual(numbersOf(server.stats, 'DELE'), range(8));
      assert.equal(await client.noop(), 'noop 1');
      assert.equal((await client.stat()).count, 40 - 6);
      await client.quit();
    } finally {
      await server.close();
    }
  });

  it('pipelines concurrent dele() calls the same way', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 16 });
      const before = server.stats.commandsPerRead.length;
      const texts = await Promise.all(range(10).map((n) => client.dele(n)));
      assert.deepEqual(
        texts,
        range(10).map((n) => `message ${n} deleted`),
      );
      // Issued in one tick, written in one write.
      assert.equal(server.stats.commandsPerRead[before], 10);
      await client.quit();
    } finally {
      await server.close();
    }
  });
});
