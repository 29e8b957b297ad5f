// A slow consumer of a message stream pauses the socket: the server's writes back up and stay
// backed up until the consumer reads again. Bodies are never held whole in memory.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Pop3Client } from '../../src/index.js';
import { numberedMessage, type StubServer, startStub } from './stub-server.js';
import { connectTo } from './support.js';

const LARGE = 48 * 1024 * 1024;

/** Waits until the server's write has backed up, then checks it stays so while nobody reads. */
async function assertServerBlockedWhileIdle(server: StubServer, stream: Readable): Promise<void> {
  if (server.stats.blocked === 0) await once(server.events, 'blocked');
  const writtenWhenBlocked = server.stats.largeWritten;
  let drained = false;
  const onDrain = () => {
    drained = true;
  };
  server.events.on('drain', onDrain);
  // Give a client that ignored backpressure ample time to read everything it could.
  await new Promise((resolve) => setTimeout(resolve, 300));
  server.events.off('drain', onDrain);
  assert.equal(drained, false, 'the server could write again although nobody read the stream');
  assert.equal(server.stats.largeWritten, writtenWhenBlocked);
  assert.ok(writtenWhenBlocked < LARGE, 'the server was held back before the end of the body');
  // What the client took off the socket sits in the stream's buffer, bounded by its high-water mark.
  assert.ok(
    stream.readableLength <= stream.readableHighWaterMark + 64 * 1024,
    `stream buffers ${stream.readableLength} octets`,
  );
}

async function drainCount(stream: Readable): Promise<number> {
  let total = 0;
  for await (const chunk of stream) total += (chunk as Buffer).length;
  return total;
}

async function finish(client: Pop3Client): Promise<void> {
  assert.equal(await client.noop(), 'noop 1');
  await client.quit();
}

describe('backpressure from a slow consumer', { timeout: 60_000 }, () => {
  it('retrManyStreams: a stream nobody reads pauses the socket until it is read', async () => {
    const server = await startStub({ messages: [numberedMessage(1), { size: LARGE }, numberedMessage(3)] });
    try {
      const client = await connectTo(server);
      const sizes: number[] = [];
      for await (const { msg, data } of client.retrManyStreams([1, 2, 3])) {
        if (msg === 2) await assertServerBlockedWhileIdle(server, data);
        sizes.push(await drainCount(data));
      }
      assert.deepEqual(sizes, [numberedMessage(1).length, LARGE, numberedMessage(3).length]);
      assert.ok(server.stats.blocked >= 1);
      await finish(client);
    } finally {
      await server.close();
    }
  });

  it('retrStream: a paused consumer holds the server back, and resuming reads the whole body', async () => {
    const server = await startStub({ messages: [{ size: LARGE }] });
    try {
      const client = await connectTo(server);
      const stream = await client.retrStream(1);
      await assertServerBlockedWhileIdle(server, stream);
      assert.equal(await drainCount(stream), LARGE);
      await finish(client);
    } finally {
      await server.close();
    }
  });

  it('a stream read slowly, chunk by chunk, still arrives whole and in step', async () => {
    const server = await startStub({ messages: [{ size: 4 * 1024 * 1024 }, numberedMessage(2)] });
    try {
      const client = await connectTo(server);
      const got: number[] = [];
      for await (const { data } of client.retrManyStreams([1, 2])) {
        let total = 0;
        for await (const chunk of data) {
          total += (chunk as Buffer).length;
          await new Promise((resolve) => setImmediate(resolve));
        }
        got.push(total);
      }
      assert.deepEqual(got, [4 * 1024 * 1024, numberedMessage(2).length]);
      await finish(client);
    } finally {
      await server.close();
    }
  });
});
