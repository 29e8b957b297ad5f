import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryStore, type Pop3Server } from '../../src/server/index.js';
import type { RawClient } from './helpers/raw-client.js';
import { startServer } from './helpers/server.js';

describe('PIPELINING (RFC 2449 §6.6)', () => {
  let server: Pop3Server;
  let connect: () => Promise<RawClient>;
  const messages = Array.from(
    { length: 50 },
    (_, i) => `Subject: m${i}\r\n\r\n${'.'.repeat(i % 3)}body ${i}\r\n`,
  );

  before(async () => {
    ({ server, connect } = await startServer({
      store: new MemoryStore({ dana: messages }),
      users: { dana: 'pw' },
    }));
  });
  after(() => server.close({ graceMs: 0 }));

  it('answers several commands sent in one write in order', async () => {
    const client = await connect();
    client.send('USER dana\r\nPASS pw\r\nSTAT\r\nLIST 2\r\nRETR 1\r\nBAD\r\nUIDL 2\r\nNOOP\r\nQUIT\r\n');
    const size = (i: number) => Buffer.byteLength(messages[i]!);
    const total = messages.reduce((sum, m) => sum + Buffer.byteLength(m), 0);
    const all = await client.rest();
    assert.equal(
      all,
      '+OK\r\n' +
        `+OK Logged in. 50 messages (${total} octets)\r\n` +
        `+OK 50 ${total}\r\n` +
        `+OK 2 ${size(1)}\r\n` +
        `+OK ${size(0)} octets\r\n${messages[0]}.\r\n` +
        '-ERR Unknown command: BAD\r\n' +
        `+OK 2 m2\r\n` +
        '+OK\r\n' +
        '+OK Logging out. 50 messages left\r\n',
    );
  });

  it('streams fifty pipelined RETRs back in order, each dot-stuffed', async () => {
    const client = await connect();
    await client.command('USER dana');
    await client.command('PASS pw');
    client.send(messages.map((_, i) => `RETR ${i + 1}\r\n`).join(''));
    for (let i = 0; i < messages.length; i++) {
      const stuffed = messages[i]!.replace(/\r\n\./g, '\r\n..');
      assert.equal(
        await client.multiline(),
        `+OK ${Buffer.byteLength(messages[i]!)} octets\r\n${stuffed}.\r\n`,
      );
    }
    await client.command('QUIT');
  });

  it('keeps reading a flood of pipelined commands with bounded buffering', async () => {
    const client = await connect();
    await client.command('USER dana');
    await client.command('PASS pw');
    const count = 2000;
    client.send('NOOP\r\n'.repeat(count));
    for (let i = 0; i < count; i++) assert.equal(await client.line(), '+OK');
    await client.command('QUIT');
  });
});
