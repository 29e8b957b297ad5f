import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type Mailbox, type MailStore, MailStoreError, Pop3Server } from '../../src/server/index.js';
import { RawClient } from './helpers/raw-client.js';

const LINE = Buffer.from(`${'z'.repeat(16 * 1024 - 2)}\r\n`); // 16 KiB lines
const BIG_LINES = 2 * 1024; // a 32 MiB message

/** A store with one generated 32 MiB message and one that fails half-way, counting what was read. */
class GeneratedStore implements MailStore {
  produced = 0;

  async openMailbox(user: string): Promise<Mailbox> {
    if (user === 'gone') throw new MailStoreError('account closed', { permanent: true });
    return {
      messages: [
        { uid: 'big', size: LINE.length * BIG_LINES },
        { uid: 'broken', size: LINE.length * 100 },
      ],
      open: async (index) => {
        const store = this;
        let sent = 0;
        return new Readable({
          read() {
            if (index === 1 && sent === 50) {
              this.destroy(new Error('disk read error'));
              return;
            }
            if (sent === (index === 0 ? BIG_LINES : 100)) {
              this.push(null);
              return;
            }
            sent++;
            store.produced += LINE.length;
            this.push(LINE);
          },
        });
      },
      remove: async () => {},
      close: async () => {},
    };
  }
}

describe('RETR streams from the store with backpressure', () => {
  let server: Pop3Server;
  let port: number;
  const store = new GeneratedStore();

  before(async () => {
    server = new Pop3Server({ store, users: { u: 'p', gone: 'p' }, authFailureDelay: 0 });
    ({ port } = await server.listen());
  });
  after(() => server.close({ graceMs: 0 }));

  it('stops reading the store while the client does not read, and sends it all once it does', async () => {
    const socket = connect(port, '127.0.0.1');
    let received = 0;
    let tail = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      tail = Buffer.concat([tail, chunk]).subarray(-5);
    });
    socket.write('USER u\r\nPASS p\r\nRETR 1\r\n');
    await new Promise((r) => setTimeout(r, 100));
    socket.pause(); // stop reading: the kernel buffers fill, then the server must wait
    await new Promise((r) => setTimeout(r, 500));
    const producedWhilePaused = store.produced;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(store.produced, producedWhilePaused, 'no progress while the client is not reading');
    assert.ok(
      producedWhilePaused < 20 * 1024 * 1024,
      `read ${producedWhilePaused} bytes of a 32 MiB message for a stalled client`,
    );
    const done = new Promise<void>((resolve) =>
      socket.on('data', () => {
        if (tail.toString() === '\r\n.\r\n') resolve();
      }),
    );
    socket.resume();
    await done;
    assert.equal(store.produced, LINE.length * BIG_LINES);
    socket.destroy();
    assert.ok(received > LINE.length * BIG_LINES);
  });

  it('cuts the connection when the store fails after +OK, rather than end the reply as if complete', async () => {
    const client = await RawClient.connect({ port });
    await client.command('USER u');
    await client.command('PASS p');
    client.send('RETR 2\r\n');
    const rest = await client.rest();
    assert.ok(rest.startsWith(`+OK ${LINE.length * 100} octets\r\n`));
    assert.ok(!rest.endsWith('\r\n.\r\n'), 'no terminator after a failed read');
  });

  it('answers a permanent store refusal with -ERR [SYS/PERM]', async () => {
    const client = await RawClient.connect({ port });
    await client.command('USER gone');
    assert.equal(await client.command('PASS p'), '-ERR [SYS/PERM] Cannot open the mailbox');
    client.close();
  });
});
