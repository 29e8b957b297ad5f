// Message bodies on the wire: any byte, dot-stuffing, any chunk split, bare LF, and retrStream's
// backpressure and early destroy.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { type Pop3Client, Pop3ConnectionError, Pop3ProtocolError } from '../../src/index.js';
import { playScript, type ScriptedServer, type Step } from '../helpers/scripted-server.js';
import { CAPS, connect, opening, QUIT } from './support.js';

function session(
  steps: Step[],
  body: (client: Pop3Client, server: ScriptedServer) => Promise<void>,
  options: { maxMessageSize?: number } = {},
) {
  return playScript([...opening(CAPS), ...steps], {}, async (server) => {
    await body(await connect(server, options), server);
  });
}

/** RFC 1939 §3: a line starting with "." goes out with one more "." in front. */
function stuff(body: Buffer): Buffer {
  const text = body.toString('latin1');
  return Buffer.from(text.replace(/(^|\n)\./g, '$1..'), 'latin1');
}

/** "+OK", the dot-stuffed body, the terminator, as a server would send it. */
function retrReply(body: Buffer, eol = '\r\n'): Buffer {
  return Buffer.concat([Buffer.from(`+OK ${body.length} octets${eol}`), stuff(body), Buffer.from(`.${eol}`)]);
}

const BODIES: Array<[string, Buffer]> = [
  ['an empty body', Buffer.alloc(0)],
  [
    '8-bit bytes and NUL',
    Buffer.from([0x53, 0x3a, 0x20, 0xe9, 0xff, 0x00, 0x80, 0x0d, 0x0a, 0x00, 0x00, 0x0d, 0x0a]),
  ],
  ['lines that are "." and ".."', Buffer.from('.\r\n..\r\n...\r\n')],
  ['lines starting with a dot', Buffer.from('Subject: dots\r\n\r\n.hidden\r\n..twice\r\n. space\r\nend\r\n')],
  ['a lone CR and a bare LF inside CRLF lines', Buffer.from('a\rb\r\nc\nd\r\n')],
  ['UTF-8 text', Buffer.from('Subject: Grüße\r\n\r\nΚαλημέρα κόσμε, こんにちは\r\n', 'utf8')],
];

describe('message bodies', () => {
  for (const [what, body] of BODIES) {
    it(`returns ${what} byte for byte from RETR, TOP and retrStream`, async () => {
      const steps: Step[] = [
        { expect: 'RETR 1\r\n' },
        { send: retrReply(body) },
        { expect: 'TOP 1 5\r\n' },
        { send: retrReply(body) },
        { expect: 'RETR 1\r\n' },
        { send: retrReply(body) },
        ...QUIT,
      ];
      await session(steps, async (client) => {
        assert.deepEqual(await client.retr(1), body);
        assert.deepEqual(await client.top(1, 5), body);
        const parts: Buffer[] = [];
        for await (const part of await client.retrStream(1)) parts.push(part as Buffer);
        assert.deepEqual(Buffer.concat(parts), body);
        await client.quit();
      });
    });
  }

  for (const eol of ['\r\n', '\n']) {
    const name = eol === '\r\n' ? 'CRLF' : 'bare LF';
    it(`decodes a reply split into two reads at every position (${name})`, async () => {
      // The status line, a stuffed dot line, a lone "." line and the terminator all get cut.
      const body = Buffer.from(['Subject: split', '', '..', '.', 'x', ''].join(eol));
      const reply = Buffer.concat([retrReply(body, eol), Buffer.from(`+OK${eol}`)]);
      const steps: Step[] = [];
      for (let cut = 1; cut < reply.length; cut++) {
        steps.push(
          { expect: 'RETR 1\r\nNOOP\r\n' },
          { send: reply.subarray(0, cut) },
          { wait: 2 },
          { send: reply.subarray(cut) },
        );
      }
      steps.push(...QUIT);
      await playScript([...opening([...CAPS, 'PIPELINING']), ...steps], {}, async (server) => {
        const client = await connect(server);
        for (let cut = 1; cut < reply.length; cut++) {
          const [retr, noop] = await Promise.all([client.retr(1), client.noop()]);
          assert.deepEqual(retr, body, `split at ${cut}`);
          assert.equal(noop, '', `split at ${cut}`);
        }
        await client.quit();
      });
    });
  }

  it('talks to a server that ends every line with a bare LF', async () => {
    const body = Buffer.from('Subject: lf\n\n..dot\nline\n');
    const steps: Step[] = [
      { send: '+OK lf server ready\n' },
      { expect: 'CAPA\r\n' },
      { send: '+OK\nUSER\nUIDL\n.\n' },
      { expect: 'USER alice\r\n' },
      { send: '+OK\n' },
      { expect: 'PASS secret\r\n' },
      { send: '+OK\n' },
      { expect: 'CAPA\r\n' },
      { send: '+OK\nUIDL\n.\n' },
      { expect: 'LIST\r\n' },
      { send: '+OK\n1 24\n2 7\n.\n' },
      { expect: 'UIDL\r\n' },
      { send: '+OK\n1 a\n2 b\n.\n' },
      { expect: 'RETR 1\r\n' },
      { send: Buffer.concat([Buffer.from('+OK\n'), body, Buffer.from('.\n')]) },
      { expect: 'QUIT\r\n' },
      { send: '+OK\n' },
      { close: true },
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server);
      assert.equal(client.welcome, 'lf server ready');
      assert.equal(client.capabilities.user, true);
      await client.user('alice');
      await client.pass('secret');
      assert.deepEqual(await client.list(), [
        { msg: 1, size: 24 },
        { msg: 2, size: 7 },
      ]);
      assert.deepEqual(await client.uidl(), [
        { msg: 1, uid: 'a' },
        { msg: 2, uid: 'b' },
      ]);
      assert.equal((await client.retr(1)).toString(), 'Subject: lf\n\n.dot\nline\n');
      await client.quit();
    });
  });

  it('fails RETR over maxMessageSize with Pop3ProtocolError and closes', async () => {
    const body = Buffer.alloc(2000, 'a');
    await session(
      [{ expect: 'RETR 1\r\n' }, { send: retrReply(body) }],
      async (client, server) => {
        await assert.rejects(client.retr(1), Pop3ProtocolError);
        assert.equal(client.state, 'closed');
        await server.ended;
      },
      { maxMessageSize: 1000 },
    );
  });
});

describe('retrStream', () => {
  it('pauses the socket while the consumer does not read (backpressure)', async () => {
    // Far more than loopback socket buffers can hold (tcp_rmem max 32 MiB + tcp_wmem 4 MiB here):
    // with backpressure the server cannot get it all out before the consumer reads.
    const size = 64 * 1024 * 1024;
    const line = `${'x'.repeat(1022)}\r\n`;
    const body = Buffer.alloc(size, line);
    const digest = createHash('sha256').update(body).digest('hex');
    const steps: Step[] = [
      { expect: 'RETR 1\r\n' },
      { send: Buffer.concat([Buffer.from('+OK\r\n'), body, Buffer.from('.\r\n')]) },
      { expect: 'NOOP\r\n' },
      { send: '+OK after the stream\r\n' },
      ...QUIT,
    ];
    await session(steps, async (client, server) => {
      const stream = await client.retrStream(1);
      const unsent = await whenSendingStops(server);
      assert.ok(unsent > 0, 'the server could not send the whole body while nobody read it');
      // What the client buffered is bounded by the stream's high-water mark plus one read.
      assert.ok(
        stream.readableLength <= stream.readableHighWaterMark + 256 * 1024,
        `the client buffered ${stream.readableLength} octets`,
      );
      const hash = createHash('sha256');
      let length = 0;
      for await (const part of stream) {
        hash.update(part as Buffer);
        length += (part as Buffer).length;
      }
      assert.equal(length, size);
      assert.equal(hash.digest('hex'), digest);
      assert.equal(await client.noop(), 'after the stream');
      await client.quit();
    });
  });

  it('does not time out while the consumer, not the server, is slow', async () => {
    const body = Buffer.from(`${'s'.repeat(98)}\r\n`.repeat(10_000)); // ~1 MiB: more than the stream buffers
    const steps: Step[] = [
      { expect: 'RETR 1\r\n' },
      { send: retrReply(body) },
      { expect: 'NOOP\r\n' },
      { send: '+OK\r\n' },
      ...QUIT,
    ];
    await playScript([...opening(CAPS), ...steps], {}, async (server) => {
      const client = await connect(server, { timeout: 250 });
      const stream = await client.retrStream(1);
      await new Promise((resolve) => setTimeout(resolve, 800)); // over three idle timeouts
      const parts: Buffer[] = [];
      for await (const part of stream) parts.push(part as Buffer);
      assert.deepEqual(Buffer.concat(parts), body);
      assert.equal(await client.noop(), '');
      await client.quit();
    });
  });

  it('drains the rest of a stream destroyed early, and the next command works', async () => {
    const body = Buffer.from('Subject: big\r\n.dot line\r\n'.repeat(160_000));
    const steps: Step[] = [
      { expect: 'RETR 1\r\n' },
      { send: retrReply(body) },
      { expect: 'NOOP\r\n' },
      { send: '+OK still in step\r\n' },
      { expect: 'RETR 2\r\n' },
      { send: retrReply(Buffer.from('second\r\n')) },
      ...QUIT,
    ];
    await session(steps, async (client) => {
      const stream = await client.retrStream(1);
      const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
      assert.ok(first.length > 0);
      stream.destroy();
      assert.equal(await client.noop(), 'still in step');
      assert.equal((await client.retr(2)).toString(), 'second\r\n');
      await client.quit();
    });
  });

  it('drains a stream destroyed before reading anything', async () => {
    const steps: Step[] = [
      { expect: 'RETR 1\r\n' },
      { send: retrReply(Buffer.from('z\r\n'.repeat(350_000))) },
      { expect: 'NOOP\r\n' },
      { send: '+OK\r\n' },
      ...QUIT,
    ];
    await session(steps, async (client) => {
      (await client.retrStream(1)).destroy();
      assert.equal(await client.noop(), '');
      await client.quit();
    });
  });

  it('errors with Pop3ConnectionError and never ends when the server closes mid-body', async () => {
    const steps: Step[] = [
      { expect: 'RETR 1\r\n' },
      { send: '+OK\r\nSubject: cut\r\n\r\npartial' },
      { close: true },
    ];
    await session(steps, async (client) => {
      const stream = await client.retrStream(1);
      let ended = false;
      stream.on('end', () => {
        ended = true;
      });
      const parts: Buffer[] = [];
      const error = await (async () => {
        for await (const part of stream) parts.push(part as Buffer);
      })().catch((e: unknown) => e);
      assert.ok(error instanceof Pop3ConnectionError, `got ${String(error)}`);
      assert.equal(ended, false, 'a partial message never looks complete');
      assert.equal(client.state, 'closed');
    });
  });

  it('rejects with the server error when RETR gets -ERR', async () => {
    await session(
      [{ expect: 'RETR 7\r\n' }, { send: '-ERR no such message\r\n' }, ...QUIT],
      async (client) => {
        await assert.rejects(client.retrStream(7), { code: 'POP3_SERVER_ERROR', command: 'RETR' });
        await client.quit();
      },
    );
  });
});

/**
 * Polls how much the server still holds unsent until it stops changing for a while: either the
 * client stopped reading (a positive count) or everything went out (0). Only when to look
 * depends on time; the test's assertion on the result does not.
 */
async function whenSendingStops(server: ScriptedServer): Promise<number> {
  let last = -1;
  let still = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const unsent = server.unsentBytes;
    if (unsent === 0) return 0;
    still = unsent === last ? still + 1 : 0;
    last = unsent;
    if (still >= 8) return unsent;
  }
}
