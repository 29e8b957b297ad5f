import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createClientMechanism } from '../../src/sasl/index.js';
import type { Pop3Server } from '../../src/server/index.js';
import type { RawClient } from './helpers/raw-client.js';
import { startServer } from './helpers/server.js';

/** Runs AUTH (RFC 5034 §4) with pop3kit's client mechanism over a raw socket; returns the
 * final status line. */
async function authenticate(
  client: RawClient,
  mechanism: string,
  pass: string,
  initial: boolean,
): Promise<string> {
  const mech = createClientMechanism(mechanism, { user: 'alice', pass });
  const ir = initial ? mech.initialResponse() : undefined;
  let line =
    ir === undefined
      ? await client.command(`AUTH ${mechanism}`)
      : await client.command(`AUTH ${mechanism} ${ir.length === 0 ? '=' : ir.toString('base64')}`);
  let sentInitial = ir !== undefined;
  while (line.startsWith('+ ') || line === '+') {
    const challenge = Buffer.from(line.slice(2), 'base64');
    let response: Buffer;
    if (!sentInitial && challenge.length === 0 && mech.initialResponse() !== undefined) {
      response = mech.initialResponse()!;
      sentInitial = true;
    } else {
      response = mech.step(challenge);
    }
    line = await client.command(response.toString('base64'));
  }
  if (line.startsWith('+OK')) mech.finish();
  return line;
}

describe('AUTH with the SASL mechanisms of src/sasl (RFC 5034)', () => {
  let server: Pop3Server;
  let connect: () => Promise<RawClient>;

  before(async () => {
    ({ server, connect } = await startServer({ maxAuthFailures: 100 }));
  });
  after(() => server.close({ graceMs: 0 }));

  for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256']) {
    for (const initial of [true, false]) {
      it(`logs in with ${mechanism} ${initial ? 'with' : 'without'} an initial response`, async () => {
        const client = await connect();
        assert.match(
          await authenticate(client, mechanism, 'secret', initial),
          /^\+OK Logged in\. 3 messages/,
        );
        assert.match(await client.command('STAT'), /^\+OK 3 /);
        await client.command('QUIT');
      });
    }
    it(`refuses ${mechanism} with a wrong password`, async () => {
      const client = await connect();
      assert.equal(
        await authenticate(client, mechanism, 'wrong', true),
        '-ERR [AUTH] Authentication failed.',
      );
      await client.command('QUIT');
    });
  }

  it('lists the mechanisms for a bare AUTH', async () => {
    const client = await connect();
    assert.equal(
      await client.commandMulti('AUTH'),
      '+OK\r\nSCRAM-SHA-256\r\nSCRAM-SHA-1\r\nCRAM-MD5\r\nPLAIN\r\nLOGIN\r\n.\r\n',
    );
    await client.command('QUIT');
  });

  it('cancels on "*" and goes on', async () => {
    const client = await connect();
    assert.equal(await client.command('AUTH LOGIN'), `+ ${Buffer.from('Username:').toString('base64')}`);
    assert.equal(await client.command('*'), '-ERR Authentication cancelled');
    assert.equal(await client.command('AUTH PLAIN'), '+ ');
    assert.equal(await client.command('not base64!'), '-ERR Invalid base64 in the response');
    assert.equal(await client.command('USER alice'), '+OK');
    assert.match(await client.command('PASS secret'), /^\+OK Logged in/);
    await client.command('QUIT');
  });

  it('refuses an authorization identity other than the user', async () => {
    const client = await connect();
    const message = Buffer.from('bob\0alice\0secret').toString('base64');
    assert.equal(await client.command(`AUTH PLAIN ${message}`), '-ERR [AUTH] Authentication failed.');
    const same = Buffer.from('alice\0alice\0secret').toString('base64');
    assert.match(await client.command(`AUTH PLAIN ${same}`), /^\+OK Logged in/);
    await client.command('QUIT');
  });

  it('offers XOAUTH2 and OAUTHBEARER when a token check is configured', async () => {
    const { server: oauth, connect: connectOauth } = await startServer({
      verifyToken: (user, token) => user === 'alice' && token === 'tok-123',
    });
    const client = await connectOauth();
    assert.match(await client.commandMulti('CAPA'), /\r\nSASL .*OAUTHBEARER XOAUTH2\r\n/);
    const xoauth = Buffer.from('user=alice\x01auth=Bearer tok-123\x01\x01').toString('base64');
    assert.match(await client.command(`AUTH XOAUTH2 ${xoauth}`), /^\+OK Logged in/);
    await client.command('QUIT');
    await oauth.close();
  });
});
