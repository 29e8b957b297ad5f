// Debug output during logins: commands show as "AUTH PLAIN ****", and no password, token or
// SASL response ever reaches the logger, whichever way in and however the exchange ends.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { Pop3AuthError } from '../../src/errors.js';
import { b64, CAPA_AFTER_LOGIN, connectTo, greeting, withPeer } from './sasl-peer.js';
import { serveScram } from './scram-peer.js';

const PASS = 'hunter2-Secret';
const LONG_PASS = `long-${'x'.repeat(250)}`;
const TOKEN = 'ya29.a0AfH6SMBsecret-token';
const APOP_GREETING = '+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>';
const APOP_DIGEST = createHash('md5').update(`<1896.697170952@dbc.mtview.ca.us>${PASS}`).digest('hex');

interface Entry {
  readonly object: Record<string, unknown>;
  readonly message: string | undefined;
}

/** What must never be logged in a client line the peer received: the payload part. */
function payloadOf(line: string): string | undefined {
  const words = line.split(' ');
  if (words[0] === 'AUTH') return words[2];
  if (words[0] === 'PASS') return words.slice(1).join(' ');
  if (words[0] === 'APOP') return words[2];
  if (['CAPA', 'USER', 'QUIT', 'NOOP'].includes(words[0] as string)) return undefined;
  return line; // a continuation answer
}

describe('debug log (debugLevel 2, pino-style logger)', () => {
  test('shows "AUTH PLAIN ****" and never a password, token or SASL payload', {
    timeout: 20_000,
  }, async () => {
    const entries: Entry[] = [];
    const logger = {
      debug(object: Record<string, unknown>, message?: string) {
        entries.push({ object, message });
      },
    };
    await withPeer(
      async (conn) => {
        await conn.run([
          ...greeting(['SASL PLAIN LOGIN XOAUTH2 SCRAM-SHA-256', 'USER'], APOP_GREETING),
          `C: AUTH PLAIN ${b64(`\0alice\0${PASS}`)}`,
          'S: -ERR [AUTH] Authentication failed',
          'C: AUTH PLAIN',
          'S: + ',
          `C: ${b64(`\0alice\0${LONG_PASS}`)}`,
          'S: -ERR [AUTH] Authentication failed',
          'C: AUTH LOGIN',
          `S: + ${b64('Username:')}`,
          `C: ${b64('alice')}`,
          `S: + ${b64('Password:')}`,
          `C: ${b64(PASS)}`,
          'S: -ERR [AUTH] Authentication failed',
          'C: AUTH XOAUTH2',
          'S: + ',
          `C: ${b64(`user=alice\x01auth=Bearer ${TOKEN}\x01\x01`)}`,
          `S: + ${b64('{"status":"401"}')}`,
          'C: ',
          'S: -ERR [AUTH] Authentication failed',
          'C: USER alice',
          'S: +OK',
          `C: PASS ${PASS}`,
          'S: -ERR [AUTH] Authentication failed',
          `C: APOP alice ${APOP_DIGEST}`,
          'S: -ERR [AUTH] Authentication failed',
        ]);
        await serveScram(conn, { mechanism: 'SCRAM-SHA-256', user: 'alice', pass: PASS });
        await conn.run(CAPA_AFTER_LOGIN);
      },
      async (peer) => {
        const client = await connectTo(peer, { debugLevel: 2, logger });
        const refused = (p: Promise<unknown>) => assert.rejects(p, Pop3AuthError);
        await refused(client.auth('PLAIN', { user: 'alice', pass: PASS }));
        await refused(client.auth('PLAIN', { user: 'alice', pass: LONG_PASS }));
        await refused(client.auth('LOGIN', { user: 'alice', pass: PASS }));
        await refused(client.auth('XOAUTH2', { user: 'alice', accessToken: TOKEN }));
        await refused(client.login({ user: 'alice', pass: PASS, mechanism: 'USER' }));
        await refused(client.apop('alice', PASS));
        await client.auth('SCRAM-SHA-256', { user: 'alice', pass: PASS });
        client.close();

        const commands = entries.filter((e) => e.object.pop3 === 'C').map((e) => e.object.line);
        assert.deepEqual(commands, [
          'CAPA',
          'AUTH PLAIN ****',
          'AUTH PLAIN',
          '****',
          'AUTH LOGIN',
          '****',
          '****',
          'AUTH XOAUTH2',
          '****',
          '****',
          'USER alice',
          'PASS ****',
          'APOP alice ****',
          'AUTH SCRAM-SHA-256 ****',
          '****',
          '****',
          'CAPA',
        ]);
        const plainEntry = entries.find((e) => e.object.line === 'AUTH PLAIN ****');
        assert.equal(plainEntry?.message, 'pop3 C: AUTH PLAIN ****');

        const logged = entries.map((e) => `${JSON.stringify(e.object)}\n${e.message}`).join('\n');
        for (const secret of [PASS, LONG_PASS, TOKEN]) {
          assert.ok(!logged.includes(secret), `a secret reached the log: ${secret.slice(0, 8)}...`);
        }
        const payloads = peer.received.map(payloadOf).filter((p): p is string => (p ?? '').length >= 4);
        assert.ok(payloads.length >= 9, `payloads checked: ${payloads.length}`);
        for (const payload of payloads) {
          assert.ok(
            !logged.includes(payload),
            `a client payload reached the log: ${payload.slice(0, 12)}...`,
          );
        }
      },
    );
  });
});
