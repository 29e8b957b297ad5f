// The byte side of the window: with sizes from LIST, retrMany keeps at most maxBytesInFlight
// octets of messages requested and not yet consumed, so a slow consumer of large mail holds
// a bounded amount of memory; one message always goes, however large.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startStub } from './stub-server.js';
import { connectTo, range } from './support.js';

const KIB = 1024;
/** 30 messages of 100 KiB each: a 250 KiB budget allows two in flight, never three. */
const messages = range(30).map((n) => Buffer.from(`Subject: ${n}\r\n\r\n${'x'.repeat(100 * KIB)}\r\n`));
/** What list() returns; the stub server has no LIST, so the sizes come from the messages. */
const listOf = (count: number) => messages.slice(0, count).map((m, i) => ({ msg: i + 1, size: m.length }));

describe('retrMany byte budget', { timeout: 60_000 }, () => {
  it('keeps the octets in flight under maxBytesInFlight when sizes are given', async () => {
    const server = await startStub({ messages });
    try {
      const client = await connectTo(server, { maxInFlight: 50 });
      const listing = listOf(30);
      let count = 0;
      for await (const { msg, data } of client.retrMany(listing, { maxBytesInFlight: 250 * KIB })) {
        assert.deepEqual(data, messages[msg - 1]);
        count++;
      }
      await client.quit();
      assert.equal(count, 30);
      assert.equal(server.stats.maxInFlight, 2);
    } finally {
      await server.close();
    }
  });

  it('still sends one message that is larger than the budget', async () => {
    const server = await startStub({ messages: messages.slice(0, 3) });
    try {
      const client = await connectTo(server, { maxInFlight: 50 });
      const listing = listOf(3);
      const got: number[] = [];
      for await (const { msg } of client.retrMany(listing, { maxBytesInFlight: 10 * KIB })) got.push(msg);
      await client.quit();
      assert.deepEqual(got, [1, 2, 3]);
      assert.equal(server.stats.maxInFlight, 1);
    } finally {
      await server.close();
    }
  });

  it('bounds only the count when given bare message numbers', async () => {
    const server = await startStub({ messages: messages.slice(0, 12) });
    try {
      const client = await connectTo(server, { maxInFlight: 5 });
      let count = 0;
      for await (const _ of client.retrMany(range(12), { maxBytesInFlight: 10 * KIB })) count++;
      await client.quit();
      assert.equal(count, 12);
      assert.equal(server.stats.maxInFlight, 5);
    } finally {
      await server.close();
    }
  });
});
