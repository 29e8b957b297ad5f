import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Pop3Server } from '../../src/server/index.js';
import { ALICE_MESSAGES, loginAlice, startServer } from './helpers/server.js';

describe('fault injection', () => {
  const servers: Pop3Server[] = [];
  after(() => Promise.all(servers.map((s) => s.close({ graceMs: 0 }))));

  async function start(options: Parameters<typeof startServer>[0]) {
    const started = await startServer(options);
    servers.push(started.server);
    return started;
  }

  it('answers the named command with -ERR and the given RESP-CODE', async () => {
    const { connect } = await start({ faults: { failCommands: { RETR: '[SYS/TEMP] injected failure' } } });
    const client = await loginAlice(connect);
    assert.equal(await client.command('RETR 1'), '-ERR [SYS/TEMP] injected failure');
    assert.match(await client.command('LIST 1'), /^\+OK 1 \d+$/, 'other verbs still work');
    await client.command('QUIT');
  });

  it('fails a login with [IN-USE] or [LOGIN-DELAY] as a server would', async () => {
    const { connect } = await start({ faults: { failCommands: { PASS: '[LOGIN-DELAY] wait 5 minutes' } } });
    const client = await connect();
    await client.command('USER alice');
    assert.equal(await client.command('PASS secret'), '-ERR [LOGIN-DELAY] wait 5 minutes');
    client.close();
  });

  it('delays the replies of the named verbs only', async () => {
    const { connect } = await start({ faults: { delayReply: { STAT: 400 } } });
    const client = await loginAlice(connect);
    let started = Date.now();
    await client.command('NOOP');
    assert.ok(Date.now() - started < 250, 'NOOP is not delayed');
    started = Date.now();
    assert.match(await client.command('STAT'), /^\+OK 3 /);
    assert.ok(Date.now() - started >= 390, 'STAT is delayed');
    await client.command('QUIT');
  });

  it('cuts the connection after exactly N bytes', async () => {
    const { connect } = await start({ faults: { cutAfterBytes: 120 } });
    const client = await connect();
    client.send('USER alice\r\nPASS secret\r\nRETR 1\r\nRETR 2\r\n');
    const received = await client.rest(); // ends when the server drops the connection
    // The greeting was already read by connect(); count it too.
    assert.equal(Buffer.byteLength(client.greeting) + 2 + Buffer.byteLength(received, 'latin1'), 120);
  });

  it('drips the output a few bytes at a time', async () => {
    const { connect } = await start({ faults: { drip: { bytes: 3, intervalMs: 4 } } });
    const client = await loginAlice(connect);
    const chunks: number[] = [];
    client.socket.on('data', (d: Buffer) => chunks.push(d.length));
    const started = Date.now();
    const reply = await client.commandMulti('RETR 1');
    assert.ok(reply.startsWith('+OK') && reply.endsWith('\r\n.\r\n'));
    // ~70 bytes in 3-byte pieces 4 ms apart: well over 50 ms, in many packets.
    const pieces = Math.ceil(Buffer.byteLength(reply) / 3);
    assert.ok(Date.now() - started >= (pieces - 1) * 4 * 0.8, `took ${Date.now() - started} ms`);
    assert.ok(chunks.length >= pieces / 4, `${chunks.length} reads for ${pieces} pieces`);
    await client.command('QUIT');
  });

  it('ends lines with bare LF, bodies and terminator included', async () => {
    const { connect } = await start({ faults: { bareLf: true } });
    const client = await connect();
    client.send('USER alice\r\nPASS secret\r\nRETR 1\r\nQUIT\r\n');
    const all = await client.rest();
    assert.doesNotMatch(all, /\r\n/);
    const body = ALICE_MESSAGES[0]!.replace(/\r\n/g, '\n');
    assert.match(all, /^\+OK\n\+OK Logged in\. 3 messages \(\d+ octets\)\n\+OK \d+ octets\n/);
    assert.ok(all.includes(`octets\n${body}.\n+OK Logging out`));
  });

  it('picks faults per session with a function', async () => {
    let sessions = 0;
    const { connect } = await start({
      faults: () => (++sessions % 2 === 1 ? { failCommands: { USER: 'odd session' } } : undefined),
    });
    const first = await connect();
    const second = await connect();
    assert.equal(await first.command('USER alice'), '-ERR odd session');
    assert.equal(await second.command('USER alice'), '+OK');
    first.close();
    second.close();
  });
});
