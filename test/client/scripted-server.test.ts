// The scripted server's own checks, driven by a raw socket: the client tests are only as
// strict as these.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTranscript, playScript, type ScriptedServer } from '../helpers/scripted-server.js';

/** A raw client: connects, and resolves with its socket once the greeting arrived. */
async function rawClient(server: ScriptedServer): Promise<net.Socket> {
  const socket = net.connect({ host: server.host, port: server.port });
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('data', resolve));
  return socket;
}

describe('scripted server', () => {
  it('fails with both byte strings when the client sends other bytes', async () => {
    const error = await playScript(
      [{ send: '+OK\r\n' }, { expect: 'USER alice\r\n' }],
      {},
      async (server) => {
        const socket = await rawClient(server);
        socket.write('USER mallory\r\n');
        await server.ended;
      },
    ).catch((e: unknown) => e);
    assert.ok(error instanceof assert.AssertionError, `got ${String(error)}`);
    assert.match(error.message, /step 2: client sent other bytes than expected/);
    assert.match(error.message, /expected "USER alice\\r\\n"/);
    assert.match(error.message, /actual {3}"USER mallory\\r\\n"/);
  });

  it('fails an expectChunk whose bytes arrive in more than one read', async () => {
    const error = await playScript(
      [{ send: '+OK\r\n' }, { expectChunk: 'RETR 1\r\nRETR 2\r\n' }],
      {},
      async (server) => {
        const socket = await rawClient(server);
        socket.write('RETR 1\r\n'); // the first read is already short of the batch
        await server.ended;
        socket.destroy();
      },
    ).catch((e: unknown) => e);
    assert.ok(error instanceof assert.AssertionError, `got ${String(error)}`);
    assert.match(error.message, /more than one read/);
  });

  it('fails when the client sends bytes the script did not expect', async () => {
    const error = await playScript([{ send: '+OK\r\n' }, { expect: 'NOOP\r\n' }], {}, async (server) => {
      const socket = await rawClient(server);
      socket.write('NOOP\r\nSTAT\r\n');
      await server.untilReceived('STAT\r\n');
      socket.destroy();
    }).catch((e: unknown) => e);
    assert.ok(error instanceof assert.AssertionError, `got ${String(error)}`);
    assert.match(error.message, /did not expect/);
  });

  it('fails when the client closes while a step still expects bytes', async () => {
    const error = await playScript([{ send: '+OK\r\n' }, { expect: 'QUIT\r\n' }], {}, async (server) => {
      (await rawClient(server)).end();
      await server.ended;
    }).catch((e: unknown) => e);
    assert.ok(error instanceof assert.AssertionError, `got ${String(error)}`);
    assert.match(error.message, /connection closed by the client/);
  });

  it('records client reads and server writes in order', async () => {
    const server = await playScript(
      [{ send: '+OK hi\r\n' }, { expect: 'NOOP\r\n' }, { send: '+OK\r\n' }],
      {},
      async (s) => {
        const socket = await rawClient(s);
        socket.write('NOOP\r\n');
        await new Promise((resolve) => socket.once('data', resolve));
        socket.destroy();
      },
    );
    assert.deepEqual(
      server.events.map((e) => `${e.from}: ${e.data.toString()}`),
      ['server: +OK hi\r\n', 'client: NOOP\r\n', 'server: +OK\r\n'],
    );
    assert.equal(server.received.toString(), 'NOOP\r\n');
  });

  it('reads transcripts: runs of S lines become one send, C lines expect CRLF commands', () => {
    const path = join(tmpdir(), `pop3kit-transcript-${process.pid}.txt`);
    writeFileSync(path, '# comment\nS: +OK ready\nC: CAPA\nS: +OK\nS: TOP\nS:\nS: .\n\nC: QUIT\n');
    assert.deepEqual(loadTranscript(path, '\n'), [
      { send: '+OK ready\n' },
      { expect: 'CAPA\r\n' },
      { send: '+OK\nTOP\n\n.\n' },
      { expect: 'QUIT\r\n' },
    ]);
    assert.deepEqual(loadTranscript(path, '\r\n')[2], { send: '+OK\r\nTOP\r\n\r\n.\r\n' });
    rmSync(path);
  });
});
