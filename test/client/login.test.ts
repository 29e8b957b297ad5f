// login() picks the strongest method the server offers; auth() speaks SASL (RFC 5034).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ConnectOptions, Credentials } from '../../src/index.js';
import { playScript, type Step } from '../helpers/scripted-server.js';
import { APOP_GREETING, CAPS, capaSteps, connect, GREETING, loginSteps, opening, QUIT } from './support.js';

/** base64("\0alice\0secret"), RFC 4616 §2. */
const PLAIN_ALICE = 'AGFsaWNlAHNlY3JldA==';
const CREDENTIALS = { user: 'alice', pass: 'secret' };

async function loginSession(
  greeting: string,
  caps: string[],
  steps: Step[],
  options: Partial<ConnectOptions> = {},
  credentials: Credentials = CREDENTIALS,
): Promise<string> {
  let text = '';
  await playScript([...opening(caps, greeting), ...steps, ...QUIT], {}, async (server) => {
    const client = await connect(server, options);
    text = await client.login(credentials);
    assert.equal(client.state, 'transaction');
    await client.quit();
  });
  return text;
}

describe('login', () => {
  it('uses USER and PASS when the server offers no SASL and no APOP timestamp', async () => {
    const text = await loginSession(GREETING, CAPS, loginSteps());
    assert.equal(text, 'logged in');
  });

  it('uses APOP when the greeting has a timestamp and no SASL is offered', async () => {
    const steps: Step[] = [
      { expect: `APOP alice ${apopDigest('secret')}\r\n` },
      { send: '+OK apop ok\r\n' },
      ...capaSteps(CAPS),
    ];
    assert.equal(await loginSession(APOP_GREETING, CAPS, steps), 'apop ok');
  });

  it('uses AUTH PLAIN with an initial response when SASL PLAIN is offered', async () => {
    const steps: Step[] = [
      { expect: `AUTH PLAIN ${PLAIN_ALICE}\r\n` },
      { send: '+OK plain ok\r\n' },
      ...capaSteps(CAPS),
    ];
    assert.equal(await loginSession(GREETING, [...CAPS, 'SASL PLAIN'], steps), 'plain ok');
  });

  it('prefers APOP to PLAIN, which would send the password itself', async () => {
    const steps: Step[] = [
      { expect: `APOP alice ${apopDigest('secret')}\r\n` },
      { send: '+OK\r\n' },
      ...capaSteps(CAPS),
    ];
    await loginSession(APOP_GREETING, [...CAPS, 'SASL PLAIN LOGIN'], steps);
  });

  it("uses USER and PASS when forced with mechanism 'USER'", async () => {
    await loginSession(
      APOP_GREETING,
      [...CAPS, 'SASL PLAIN'],
      loginSteps(),
      {},
      { ...CREDENTIALS, mechanism: 'USER' },
    );
  });

  it('logs in during connect when auth is given', async () => {
    await playScript([...opening(), ...loginSteps(), ...QUIT], {}, async (server) => {
      const client = await connect(server, { auth: CREDENTIALS });
      assert.equal(client.state, 'transaction');
      await client.quit();
    });
  });
});

describe('auth', () => {
  it('sends AUTH PLAIN with the initial response on the command line', async () => {
    const steps: Step[] = [
      { expect: `AUTH PLAIN ${PLAIN_ALICE}\r\n` },
      { send: '+OK Authenticated\r\n' },
      ...capaSteps(['TOP', 'UIDL']),
      ...QUIT,
    ];
    await playScript([...opening([...CAPS, 'SASL PLAIN']), ...steps], {}, async (server) => {
      const client = await connect(server);
      assert.equal(await client.auth('PLAIN', CREDENTIALS), 'Authenticated');
      assert.equal(client.state, 'transaction');
      assert.equal(client.capabilities.user, false, 'CAPA is read again after login');
      await client.quit();
    });
  });

  it('sends the authorization identity first in PLAIN', async () => {
    const response = Buffer.from('admin\0alice\0secret').toString('base64');
    const steps: Step[] = [
      { expect: `AUTH PLAIN ${response}\r\n` },
      { send: '+OK\r\n' },
      ...capaSteps(CAPS),
      ...QUIT,
    ];
    await playScript([...opening(), ...steps], {}, async (server) => {
      const client = await connect(server);
      await client.auth('PLAIN', { ...CREDENTIALS, authzid: 'admin' });
      await client.quit();
    });
  });
});

/** RFC 1939 §7: MD5 of the greeting timestamp followed by the secret (the RFC's timestamp). */
function apopDigest(secret: string): string {
  return createHash('md5').update(`<1896.697170952@dbc.mtview.ca.us>${secret}`).digest('hex');
}
