// Refused logins: Pop3AuthError with the RFC 2449/3206 response code, so a caller can tell a
// wrong password from "try later", and the session stays usable after each -ERR.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Pop3AuthError, Pop3ServerError } from '../../src/errors.js';
import { b64, CAPA_AFTER_LOGIN, connectTo, greeting, withPeer } from './sasl-peer.js';

const T = { timeout: 20_000 };
const PASS = 'Tr0ub4dor&3';
const plainLine = `AUTH PLAIN ${b64(`\0alice\0${PASS}`)}`;

const refusals = [
  { reply: '-ERR [AUTH] Authentication failed.', code: 'AUTH' },
  { reply: '-ERR [SYS/TEMP] Temporary authentication failure, try again later', code: 'SYS/TEMP' },
  { reply: '-ERR [IN-USE] Mailbox is locked by another POP3 session', code: 'IN-USE' },
  { reply: '-ERR [LOGIN-DELAY] Minimum time between logins not reached', code: 'LOGIN-DELAY' },
  { reply: '-ERR [sys/perm] account disabled', code: 'SYS/PERM' },
  { reply: '-ERR Authentication failed', code: undefined },
];

function assertRefusal(error: unknown, command: string, reply: string, code: string | undefined): true {
  assert.ok(error instanceof Pop3AuthError, `expected Pop3AuthError, got ${String(error)}`);
  assert.ok(error instanceof Pop3ServerError);
  assert.equal(error.code, 'POP3_AUTH_ERROR');
  assert.equal(error.command, command);
  assert.equal(error.responseCode, code);
  assert.equal(error.response, reply.slice('-ERR '.length));
  assert.ok(!error.message.includes(PASS), 'the password is not in the error message');
  assert.ok(!error.message.includes(b64(`\0alice\0${PASS}`)), 'nor the SASL payload');
  return true;
}

describe('Pop3AuthError carries the response code', () => {
  test(
    'AUTH: [AUTH], [SYS/TEMP], [IN-USE], [LOGIN-DELAY], [SYS/PERM] and none, each leaving the session usable',
    T,
    async () => {
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(['SASL PLAIN', 'RESP-CODES', 'AUTH-RESP-CODE']),
            ...refusals.flatMap(({ reply }) => [`C: ${plainLine}`, `S: ${reply}`]),
            `C: ${plainLine}`,
            'S: +OK Logged in',
            ...CAPA_AFTER_LOGIN,
          ]),
        async (peer) => {
          const client = await connectTo(peer);
          for (const { reply, code } of refusals) {
            await assert.rejects(client.login({ user: 'alice', pass: PASS }), (error) =>
              assertRefusal(error, 'AUTH', reply, code),
            );
            assert.equal(client.state, 'authorization');
          }
          await client.login({ user: 'alice', pass: PASS });
          assert.equal(client.state, 'transaction');
          client.close();
        },
      );
    },
  );

  test('PASS: [IN-USE] after USER/PASS names the PASS command, never its argument', T, async () => {
    const reply = '-ERR [IN-USE] Do you have another POP session running?';
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['USER', 'RESP-CODES']),
          'C: USER alice',
          'S: +OK',
          `C: PASS ${PASS}`,
          `S: ${reply}`,
          'C: NOOP',
          'S: +OK',
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await assert.rejects(client.login({ user: 'alice', pass: PASS }), (error) =>
          assertRefusal(error, 'PASS', reply, 'IN-USE'),
        );
        await client.noop();
        client.close();
      },
    );
  });

  test('USER: a -ERR to the user name is a Pop3AuthError too, and PASS is not sent', T, async () => {
    const reply = '-ERR [AUTH] no such user';
    await withPeer(
      (conn) => conn.run([...greeting(['USER']), 'C: USER alice', `S: ${reply}`, 'C: NOOP', 'S: +OK']),
      async (peer) => {
        const client = await connectTo(peer);
        await assert.rejects(client.login({ user: 'alice', pass: PASS }), (error) =>
          assertRefusal(error, 'USER', reply, 'AUTH'),
        );
        await client.noop();
        client.close();
      },
    );
  });

  test('APOP: [LOGIN-DELAY] names the APOP command', T, async () => {
    const reply = '-ERR [LOGIN-DELAY] wait 900 seconds between logins';
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['USER', 'LOGIN-DELAY 900'], '+OK ready <1896.697170952@dbc.mtview.ca.us>'),
          'C: APOP mrose c4c9334bac560ecc979e58001b3e22fb',
          `S: ${reply}`,
          'C: NOOP',
          'S: +OK',
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        assert.equal(client.capabilities.loginDelay, 900);
        await assert.rejects(client.login({ user: 'mrose', pass: 'tanstaaf' }), (error) =>
          assertRefusal(error, 'APOP', reply, 'LOGIN-DELAY'),
        );
        await client.noop();
        client.close();
      },
    );
  });

  test(
    'AUTH with a continuation: [SYS/TEMP] after the LOGIN password is still a Pop3AuthError',
    T,
    async () => {
      const reply = '-ERR [SYS/TEMP] authentication backend unavailable';
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(['SASL LOGIN']),
            'C: AUTH LOGIN',
            `S: + ${b64('Username:')}`,
            `C: ${b64('alice')}`,
            `S: + ${b64('Password:')}`,
            `C: ${b64(PASS)}`,
            `S: ${reply}`,
            'C: NOOP',
            'S: +OK',
          ]),
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(client.login({ user: 'alice', pass: PASS }), (error) =>
            assertRefusal(error, 'AUTH', reply, 'SYS/TEMP'),
          );
          await client.noop();
          client.close();
        },
      );
    },
  );
});
