// Leaving a bulk loop early: nothing more is sent, what was sent is drained, and the next
// command's reply is its own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { numberedMessage, numbersOf, startStub } from './stub-server.js';
import { connectTo, range, settlesWithin } from './support.js';

const messages = range(60).map(numberedMessage);

describe('breaking out of retrMany', { timeout: 60_000 }, () => {
  it('stops sending, drains what was sent, and a NOOP after it gets its own reply', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 10 });
      const got: number[] = [];
      for await (const { msg } of client.retrMany(range(60))) {
        got.push(msg);
        if (msg === 3) break;
      }
      assert.deepEqual(got, [1, 2, 3]);
      assert.equal(await client.noop(), 'noop 1');
      const sent = numbersOf(server.stats, 'RETR');
      // Only the first window (and no refill beyond it) went out before the break.
      assert.ok(sent.length <= 10, `sent ${sent.length} RETRs`);
      assert.deepEqual(sent, range(sent.length));
      // The NOOP was written after every RETR that was sent: it was not mixed into the batch.
      assert.equal(server.stats.commands.indexOf('NOOP'), server.stats.commands.length - 1);
      // Later commands line up too.
      assert.deepEqual(await client.retr(42), messages[41]);
      assert.equal(await client.noop(), 'noop 2');
      await client.quit();
    } finally {
      await server.close();
    }
  });

  it('can be started again on the same session after a break', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 4 });
      for await (const { msg } of client.retrMany(range(20))) if (msg === 2) break;
      const again: number[] = [];
      for await (const { msg, data } of client.retrMany([50, 51, 52, 53, 54, 55])) {
        again.push(msg);
        assert.deepEqual(data, messages[msg - 1]);
      }
      assert.deepEqual(again, [50, 51, 52, 53, 54, 55]);
      await client.quit();
    } finally {
      await server.close();
    }
  });

  it('leaves the session usable after a throw inside the loop body', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 6 });
      await assert.rejects(async () => {
        for await (const { msg } of client.topMany(range(30), 0)) {
          if (msg === 5) throw new Error('consumer gave up');
        }
      }, /consumer gave up/);
      assert.equal(await client.noop(), 'noop 1');
      await client.quit();
    } finally {
      await server.close();
    }
  });
});

describe('breaking out of retrManyStreams', { timeout: 60_000 }, () => {
  it('breaking while the current stream is unread discards it and what was sent; the session stays usable', async () => {
    const server = await startStub({
      messages: [...messages.slice(0, 3), { size: 2 * 1024 * 1024 }, ...messages.slice(4)],
    });
    try {
      const client = await connectTo(server, { maxInFlight: 8 });
      const got: number[] = [];
      // Run the loop by hand so a break that never returns fails the test instead of hanging it.
      const loop = (async () => {
        for await (const { msg, data } of client.retrManyStreams(range(20))) {
          got.push(msg);
          if (msg === 4) {
            // Read a little of the 2 MiB message, then leave without reading the rest.
            await new Promise<void>((resolve) => data.once('readable', resolve));
            assert.ok(data.read() !== null);
            break;
          }
          const chunks: Buffer[] = [];
          for await (const chunk of data) chunks.push(chunk as Buffer);
          assert.deepEqual(Buffer.concat(chunks), messages[msg - 1]);
        }
      })();
      await settlesWithin(loop, 10_000, 'break out of retrManyStreams with the current stream unread');
      assert.deepEqual(got, [1, 2, 3, 4]);
      assert.equal(await client.noop(), 'noop 1');
      assert.deepEqual(await client.retr(9), messages[8]);
      await client.quit();
    } finally {
      await server.close();
    }
  });

  it('breaking after destroying the current stream discards the rest; the session stays usable', async () => {
    const server = await startStub({
      messages: [...messages.slice(0, 3), { size: 2 * 1024 * 1024 }, ...messages.slice(4)],
    });
    try {
      const client = await connectTo(server, { maxInFlight: 8 });
      const got: number[] = [];
      const loop = (async () => {
        for await (const { msg, data } of client.retrManyStreams(range(20))) {
          got.push(msg);
          if (msg === 4) {
            data.destroy();
            break;
          }
          data.resume();
        }
      })();
      await settlesWithin(loop, 10_000, 'break out of retrManyStreams after destroying the stream');
      assert.deepEqual(got, [1, 2, 3, 4]);
      assert.equal(await client.noop(), 'noop 1');
      assert.deepEqual(await client.retr(9), messages[8]);
      await client.quit();
    } finally {
      await server.close();
    }
  });

  it('does not yield the next stream until the previous one is finished', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 4 });
      const order: string[] = [];
      for await (const { msg, data } of client.retrManyStreams(range(5))) {
        order.push(`start ${msg}`);
        data.on('end', () => order.push(`end ${msg}`));
        data.resume();
      }
      await client.quit();
      assert.deepEqual(
        order,
        range(5).flatMap((n) => [`start ${n}`, `end ${n}`]),
      );
    } finally {
      await server.close();
    }
  });
});
