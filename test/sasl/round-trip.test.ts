import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Pop3ProtocolError } from '../../src/errors.js';
import { createClientMechanism, type OAuthClient, type SaslCredentials } from '../../src/sasl/index.js';
import { saslprep } from '../../src/sasl/saslprep.js';
import { createServerMechanism, SERVER_MECHANISMS } from '../../src/sasl/server/index.js';
import { passwords, runExchange } from './exchange.js';

const PASSWORD_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256'];
const TOKEN_MECHANISMS = ['XOAUTH2', 'OAUTHBEARER'];
const store = passwords({ alice: 'correct horse', 'b,=ob': 'p\u00E4ss\u00A0word' });
const tokens = { verifyToken: (user: string, token: string) => user === 'alice' && token === 'good-token' };

describe('client against server', () => {
  it('covers every server mechanism', () => {
    assert.deepEqual([...PASSWORD_MECHANISMS, ...TOKEN_MECHANISMS].sort(), [...SERVER_MECHANISMS].sort());
  });

  for (const name of PASSWORD_MECHANISMS) {
    it(`${name}: the right password logs in`, async () => {
      const client = createClientMechanism(name, { user: 'alice', pass: 'correct horse' });
      const { outcome } = await runExchange(client, createServerMechanism(name), store);
      assert.deepEqual(outcome, { kind: 'success', user: 'alice', authzid: undefined });
    });

    it(`${name}: a wrong password fails`, async () => {
      const client = createClientMechanism(name, { user: 'alice', pass: 'wrong horse' });
      const { outcome } = await runExchange(client, createServerMechanism(name), store);
      assert.deepEqual(outcome, {
        kind: 'failure',
        reason: 'credentials',
        message: `${name}: invalid credentials`,
      });
    });

    it(`${name}: an unknown user fails like a wrong password`, async () => {
      const client = createClientMechanism(name, { user: 'mallory', pass: 'correct horse' });
      const { outcome } = await runExchange(client, createServerMechanism(name), store);
      assert.equal(outcome.kind === 'failure' && outcome.reason, 'credentials');
    });

    it(`${name}: a user name with , and = and a password needing SASLprep`, async () => {
      // The stored password has U+00A0, the client types a space: SASLprep on both sides makes
      // them equal (RFC 4616 §2, RFC 5802 §2.2). CRAM-MD5 has no SASLprep, so it sends it exactly.
      const pass = name === 'CRAM-MD5' ? 'p\u00E4ss\u00A0word' : 'p\u00E4ss word';
      const client = createClientMechanism(name, { user: 'b,=ob', pass });
      const { outcome } = await runExchange(client, createServerMechanism(name), store);
      assert.deepEqual(outcome, { kind: 'success', user: 'b,=ob', authzid: undefined });
    });
  }

  for (const name of ['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'XOAUTH2', 'OAUTHBEARER']) {
    it(`${name}: the two-step form (no initial response with AUTH) works`, async () => {
      const credentials = { user: 'alice', pass: 'correct horse', accessToken: 'good-token' };
      const client = createClientMechanism(name, credentials);
      const { outcome, transcript } = await runExchange(
        client,
        createServerMechanism(name),
        { ...store, ...tokens },
        {
          twoStep: true,
        },
      );
      assert.equal(outcome.kind, 'success');
      assert.equal(transcript[0], `C: AUTH ${name}`);
      assert.equal(transcript[1], 'S: + ');
    });
  }

  for (const name of ['PLAIN', 'SCRAM-SHA-256']) {
    it(`${name}: carries the authzid to the server`, async () => {
      const client = createClientMechanism(name, {
        user: 'alice',
        pass: 'correct horse',
        authzid: 'shared,box',
      });
      const { outcome } = await runExchange(client, createServerMechanism(name), store);
      assert.deepEqual(outcome, { kind: 'success', user: 'alice', authzid: 'shared,box' });
    });
  }

  it('SCRAM: the exchange shape is client-first, server-first, client-final, v=, empty', async () => {
    const client = createClientMechanism('SCRAM-SHA-256', { user: 'alice', pass: 'correct horse' });
    const { transcript } = await runExchange(client, createServerMechanism('SCRAM-SHA-256'), store);
    const decoded = transcript
      .slice(1)
      .map((line) => Buffer.from(line.slice(line.lastIndexOf(' ') + 1), 'base64').toString());
    assert.equal(decoded.length, 4);
    assert.match(decoded[0]!, /^r=[^,]+,s=[^,]+,i=4096$/);
    assert.match(decoded[1]!, /^c=biws,r=[^,]+,p=[A-Za-z0-9+/=]+$/);
    assert.match(decoded[2]!, /^v=[A-Za-z0-9+/=]+$/);
    assert.equal(decoded[3], '');
  });

  it('SCRAM: a client rejects a server that does not know the password', async () => {
    const client = createClientMechanism('SCRAM-SHA-1', { user: 'alice', pass: 'correct horse' });
    const impostor = createServerMechanism('SCRAM-SHA-1');
    const start = impostor.start(client.initialResponse());
    assert.equal(start.kind, 'need-password');
    const serverFirst = impostor.providePassword('some other password');
    assert.ok(serverFirst.kind === 'challenge');
    client.step(serverFirst.challenge);
    // A real server would fail here; the impostor signs with its own keys.
    assert.throws(() => client.step(Buffer.from('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')), Pop3ProtocolError);
  });

  for (const name of TOKEN_MECHANISMS) {
    it(`${name}: a good token logs in`, async () => {
      const client = createClientMechanism(name, { user: 'alice', accessToken: 'good-token' });
      const { outcome } = await runExchange(client, createServerMechanism(name), tokens);
      assert.deepEqual(outcome, { kind: 'success', user: 'alice', authzid: undefined });
    });

    it(`${name}: a refused token ends in failure after the error continuation`, async () => {
      const client = createClientMechanism(name, { user: 'alice', accessToken: 'bad-token' }) as OAuthClient;
      const server = createServerMechanism(name, { oauth: { scope: 'mail' } });
      const { outcome, transcript } = await runExchange(client, server, tokens);
      assert.deepEqual(outcome, {
        kind: 'failure',
        reason: 'credentials',
        message: `${name}: invalid token`,
      });
      assert.equal(transcript.length, 3);
      assert.equal(transcript[2], name === 'OAUTHBEARER' ? 'C: AQ==' : 'C: ');
      assert.equal(client.serverError?.scope, 'mail');
    });
  }
});

describe('round-trip properties', () => {
  const name = fc
    .string({ minLength: 1, maxLength: 12, unit: 'grapheme' })
    .filter((s) => !/[\0-\x1f\x7f]/.test(s));
  const password = fc.string({ minLength: 1, maxLength: 16, unit: 'grapheme' }).filter((s) => {
    try {
      return saslprep(s).length > 0;
    } catch {
      return false;
    }
  });

  for (const mechanism of ['PLAIN', 'CRAM-MD5', 'SCRAM-SHA-256']) {
    it(`${mechanism}: any user name and any preparable password log in`, async () => {
      await fc.assert(
        fc.asyncProperty(name, password, async (user, pass) => {
          const credentials: SaslCredentials = { user, pass };
          const client = createClientMechanism(mechanism, credentials);
          const { outcome } = await runExchange(
            client,
            createServerMechanism(mechanism),
            passwords({ [user]: pass }),
          );
          assert.deepEqual(outcome, { kind: 'success', user, authzid: undefined });
        }),
        { numRuns: 25 },
      );
    });
  }
});
