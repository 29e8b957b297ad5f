// Interop: every way in that the private Dovecot of the tests offers (test/helpers/dovecot.ts:
// PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-1, SCRAM-SHA-256, APOP, USER/PASS, and OAUTHBEARER/XOAUTH2
// against a passwd-file of static tokens), refused logins, and what login() picks there.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ConnectOptions } from '../../src/client/options.js';
import { Pop3Client } from '../../src/client/pop3-client.js';
import { Pop3AuthError } from '../../src/errors.js';
import { type DovecotInstance, dovecotSkipReason, startDovecot } from '../helpers/dovecot.js';

const skip = dovecotSkipReason();
const T = { timeout: 30_000 };
const MESSAGES = ['Subject: one\r\n\r\nfirst\r\n', 'Subject: two\r\n\r\nsecond\r\n'];

interface Logged {
  readonly pop3: unknown;
  readonly line: unknown;
}

describe('AUTH against Dovecot', { skip }, () => {
  let dovecot: DovecotInstance;
  let alice: { user: string; pass: string; token: string };

  const connect = (options: Partial<ConnectOptions> = {}) =>
    Pop3Client.connect({
      host: dovecot.host,
      port: dovecot.port,
      tls: { ca: dovecot.caPem },
      timeout: 10_000,
      ...options,
    });

  /** The session is really in TRANSACTION: STAT sees alice's maildrop. */
  async function assertLoggedIn(client: Pop3Client): Promise<void> {
    assert.equal(client.state, 'transaction');
    assert.equal((await client.stat()).count, MESSAGES.length);
    await client.quit();
  }

  before(async () => {
    const instance = await startDovecot();
    assert.ok(instance, 'startDovecot returned undefined although dovecot is installed');
    dovecot = instance;
    alice = dovecot.users[0] as typeof alice;
    for (const text of MESSAGES) dovecot.addMessage(alice.user, text);
  });

  after(async () => {
    await dovecot?.stop();
  });

  test('advertises the SASL mechanisms these tests use, over STLS, with an APOP timestamp', T, async () => {
    const client = await connect();
    assert.equal(client.secure, true, 'the client upgraded with STLS');
    for (const mechanism of [
      'PLAIN',
      'LOGIN',
      'CRAM-MD5',
      'SCRAM-SHA-1',
      'SCRAM-SHA-256',
      'OAUTHBEARER',
      'XOAUTH2',
    ]) {
      assert.ok(client.capabilities.sasl.includes(mechanism), `SASL lacks ${mechanism}`);
    }
    assert.match(client.welcome, /<[^<>@]+@[^<>@]+>/);
    client.close();
  });

  for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256']) {
    test(`AUTH ${mechanism} logs in with the password`, T, async () => {
      const client = await connect();
      await client.auth(mechanism, { user: alice.user, pass: alice.pass });
      await assertLoggedIn(client);
    });

    test(
      `AUTH ${mechanism} with a wrong password is a Pop3AuthError [AUTH]; the same connection then logs in`,
      T,
      async () => {
        const client = await connect();
        await assert.rejects(client.auth(mechanism, { user: alice.user, pass: 'wrong-pass' }), (error) => {
          assert.ok(error instanceof Pop3AuthError, `expected Pop3AuthError, got ${String(error)}`);
          assert.equal(error.responseCode, 'AUTH');
          return true;
        });
        assert.equal(client.state, 'authorization');
        await client.auth(mechanism, { user: alice.user, pass: alice.pass });
        await assertLoggedIn(client);
      },
    );
  }

  test('AUTH PLAIN over plaintext (starttls: never) on loopback', T, async () => {
    const client = await connect({ starttls: 'never' });
    assert.equal(client.secure, false);
    await client.auth('PLAIN', { user: alice.user, pass: alice.pass });
    await assertLoggedIn(client);
  });

  test('AUTH SCRAM-SHA-256 over implicit TLS', T, async () => {
    const client = await connect({ port: dovecot.securePort, secure: true });
    await client.auth('SCRAM-SHA-256', { user: alice.user, pass: alice.pass });
    await assertLoggedIn(client);
  });

  test('APOP logs in with the greeting timestamp; a wrong secret is a Pop3AuthError first', T, async () => {
    const client = await connect();
    await assert.rejects(client.apop(alice.user, 'wrong-pass'), Pop3AuthError);
    assert.equal(client.state, 'authorization');
    await client.login({ user: alice.user, pass: alice.pass, mechanism: 'APOP' });
    await assertLoggedIn(client);
  });

  test('USER/PASS logs in; a wrong password is a Pop3AuthError [AUTH] first', T, async () => {
    const client = await connect();
    await assert.rejects(
      client.login({ user: alice.user, pass: 'wrong-pass', mechanism: 'USER' }),
      (error) => error instanceof Pop3AuthError && error.responseCode === 'AUTH',
    );
    await client.login({ user: alice.user, pass: alice.pass, mechanism: 'USER' });
    await assertLoggedIn(client);
  });

  for (const mechanism of ['OAUTHBEARER', 'XOAUTH2']) {
    test(`AUTH ${mechanism} logs in with the static test token`, T, async () => {
      const client = await connect();
      await client.auth(mechanism, { user: alice.user, accessToken: alice.token });
      await assertLoggedIn(client);
    });

    test(
      `AUTH ${mechanism} with a wrong token: the JSON error continuation is answered, -ERR is a Pop3AuthError, the same connection then logs in`,
      T,
      async () => {
        const logged: Logged[] = [];
        const logger = {
          debug: (object: Record<string, unknown>) => void logged.push(object as unknown as Logged),
        };
        const client = await connect({ debugLevel: 1, logger });
        await assert.rejects(
          client.auth(mechanism, { user: alice.user, accessToken: 'expired-token' }),
          (error) => error instanceof Pop3AuthError && error.responseCode === 'AUTH',
        );
        // Dovecot reports the refused token in a "+ " continuation (RFC 7628 §3.2.2) before -ERR.
        const errors = logged
          .filter((entry) => entry.pop3 === 'S' && String(entry.line).startsWith('+ ey'))
          .map((entry) => JSON.parse(Buffer.from(String(entry.line).slice(2), 'base64').toString('utf8')));
        assert.equal(errors.length, 1);
        assert.ok(typeof errors[0].status === 'string', JSON.stringify(errors[0]));
        assert.equal(client.state, 'authorization');
        await client.auth(mechanism, { user: alice.user, accessToken: async () => alice.token });
        await assertLoggedIn(client);
      },
    );
  }

  test('login() with a password picks SCRAM-SHA-256 (seen in the debug log)', T, async () => {
    const logged: Logged[] = [];
    const logger = {
      debug: (object: Record<string, unknown>) => void logged.push(object as unknown as Logged),
    };
    const client = await connect({ debugLevel: 1, logger });
    await client.login({ user: alice.user, pass: alice.pass });
    const commands = logged.filter((entry) => entry.pop3 === 'C').map((entry) => entry.line);
    assert.deepEqual(
      commands.filter((line) => /^(AUTH|APOP|USER|PASS)\b/.test(String(line))),
      ['AUTH SCRAM-SHA-256 ****'],
    );
    const everything = JSON.stringify(logged);
    assert.ok(!everything.includes(alice.pass), 'the password is not logged');
    await assertLoggedIn(client);
  });

  test('connect({ auth }) with an access token hook logs in with OAUTHBEARER', T, async () => {
    const logged: Logged[] = [];
    const logger = {
      debug: (object: Record<string, unknown>) => void logged.push(object as unknown as Logged),
    };
    let calls = 0;
    const client = await connect({
      debugLevel: 1,
      logger,
      auth: {
        user: alice.user,
        accessToken: () => {
          calls += 1;
          return alice.token;
        },
      },
    });
    assert.equal(calls, 1);
    assert.ok(logged.some((entry) => entry.pop3 === 'C' && entry.line === 'AUTH OAUTHBEARER ****'));
    assert.ok(!JSON.stringify(logged).includes(alice.token), 'the token is not logged');
    await assertLoggedIn(client);
  });

  test('connect({ auth }) with a wrong password rejects with Pop3AuthError [AUTH]', T, async () => {
    await assert.rejects(
      connect({ auth: { user: alice.user, pass: 'wrong-pass' } }),
      (error) => error instanceof Pop3AuthError && error.responseCode === 'AUTH',
    );
  });
});
