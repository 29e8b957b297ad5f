import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pop3Server } from '../../src/server/index.js';
import type { RawClient } from './helpers/raw-client.js';
import { loginAlice, startServer } from './helpers/server.js';

/** Each bad command must get one -ERR line and leave the session usable. */
const BEFORE_LOGIN: [string, string][] = [
  ['FOO', '-ERR Unknown command: FOO'],
  ['', '-ERR Unknown command'],
  ['   ', '-ERR Unknown command'],
  ['123', '-ERR Unknown command'],
  ['US\0ER alice', '-ERR Unknown command'],
  ['USER', '-ERR Wrong number of arguments for USER'],
  ['USER a b', '-ERR Wrong number of arguments for USER'],
  ['PASS', '-ERR Wrong number of arguments for PASS'],
  ['PASS secret', '-ERR No username given, send USER first'],
  ['APOP alice', '-ERR Wrong number of arguments for APOP'],
  ['APOP alice not-hex', '-ERR [AUTH] Authentication failed.'],
  ['STAT', '-ERR STAT is not valid in the AUTHORIZATION state'],
  ['LIST', '-ERR LIST is not valid in the AUTHORIZATION state'],
  ['RETR 1', '-ERR RETR is not valid in the AUTHORIZATION state'],
  ['DELE 1', '-ERR DELE is not valid in the AUTHORIZATION state'],
  ['NOOP', '-ERR NOOP is not valid in the AUTHORIZATION state'],
  ['RSET', '-ERR RSET is not valid in the AUTHORIZATION state'],
  ['CAPA x', '-ERR Wrong number of arguments for CAPA'],
  ['STLS', '-ERR STLS is not available'],
  ['AUTH NOPE', '-ERR Unsupported authentication mechanism'],
  ['AUTH PLAIN !!!!', '-ERR Invalid base64 in the initial response'],
  ['QUIT now', '-ERR Wrong number of arguments for QUIT'],
];

const AFTER_LOGIN: [string, string][] = [
  ['BOGUS 1 2', '-ERR Unknown command: BOGUS'],
  ['RETR', '-ERR Wrong number of arguments for RETR'],
  ['RETR 0', '-ERR No such message'],
  ['RETR 4', '-ERR No such message'],
  ['RETR -1', '-ERR Invalid message number'],
  ['RETR 1.0', '-ERR Invalid message number'],
  ['RETR abc', '-ERR Invalid message number'],
  ['RETR 99999999999999999999', '-ERR Invalid message number'],
  ['RETR 1 2', '-ERR Wrong number of arguments for RETR'],
  ['LIST x', '-ERR Invalid message number'],
  ['LIST 9', '-ERR No such message'],
  ['UIDL 0', '-ERR No such message'],
  ['DELE', '-ERR Wrong number of arguments for DELE'],
  ['DELE +1', '-ERR Invalid message number'],
  ['TOP 1', '-ERR Wrong number of arguments for TOP'],
  ['TOP 1 -1', '-ERR Invalid number of lines'],
  ['TOP 1 x', '-ERR Invalid number of lines'],
  ['TOP x 1', '-ERR Invalid message number'],
  ['STAT 1', '-ERR Wrong number of arguments for STAT'],
  ['USER alice', '-ERR USER is not valid in the TRANSACTION state'],
  ['PASS secret', '-ERR PASS is not valid in the TRANSACTION state'],
  ['APOP alice 0123', '-ERR APOP is not valid in the TRANSACTION state'],
  ['AUTH PLAIN', '-ERR AUTH is not valid in the TRANSACTION state'],
  ['STLS', '-ERR STLS is not valid in the TRANSACTION state'],
];

describe('malformed commands', () => {
  let server: Pop3Server;
  let connect: () => Promise<RawClient>;

  before(async () => {
    // maxAuthFailures is high so the deliberate failures above do not end the session.
    ({ server, connect } = await startServer({ maxAuthFailures: 100, maxLineLength: 100 }));
  });
  after(() => server.close({ graceMs: 0 }));

  it('answers each bad command before login with -ERR and goes on', async () => {
    const client = await connect();
    for (const [command, reply] of BEFORE_LOGIN) {
      assert.equal(await client.command(command), reply, JSON.stringify(command));
    }
    await client.command('USER alice');
    assert.match(await client.command('PASS secret'), /^\+OK Logged in/);
    await client.command('QUIT');
  });

  it('answers each bad command after login with -ERR and goes on', async () => {
    const client = await loginAlice(connect);
    for (const [command, reply] of AFTER_LOGIN) {
      assert.equal(await client.command(command), reply, JSON.stringify(command));
    }
    assert.match(await client.command('STAT'), /^\+OK 3 \d+$/);
    await client.command('QUIT');
  });

  it('matches keywords case-insensitively (RFC 1939 §3)', async () => {
    const client = await connect();
    assert.equal(await client.command('user alice'), '+OK');
    assert.match(await client.command('Pass secret'), /^\+OK Logged in/);
    assert.match(await client.command('stat'), /^\+OK 3 /);
    await client.command('quit');
  });

  it('answers an overlong line with one -ERR, skips all of it and goes on', async () => {
    const client = await connect();
    client.send(`USER ${'x'.repeat(150)}\r\n`);
    assert.equal(await client.line(), '-ERR Line too long');
    // An endless line arriving in many pieces is discarded without buffering it.
    client.send(`NOOP ${'y'.repeat(90)}`);
    client.send('y'.repeat(5000));
    client.send('y'.repeat(5000));
    client.send('\r\nUSER alice\r\n');
    assert.equal(await client.line(), '-ERR Line too long');
    assert.equal(await client.line(), '+OK');
    assert.match(await client.command('PASS secret'), /^\+OK Logged in/);
    await client.command('QUIT');
  });

  it('survives random garbage and still answers', async () => {
    const client = await connect();
    const garbage = Buffer.alloc(4000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 256;
    client.send(garbage);
    client.send('\r\nNOOP\r\n');
    // Read replies until the one for the final NOOP (-ERR: wrong state) shows the session is alive.
    let last = '';
    for (let i = 0; i < 100 && last !== '-ERR NOOP is not valid in the AUTHORIZATION state'; i++) {
      last = await client.line();
      assert.match(last, /^-ERR /);
    }
    assert.equal(last, '-ERR NOOP is not valid in the AUTHORIZATION state');
    client.close();
  });
});
