// Recorded-style sessions of real server vendors (test/fixtures/<vendor>/), each replayed with
// CRLF and with bare LF line endings: the client must give the same results either way, with
// message bodies keeping the line endings the server sent.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pop3AuthError } from '../../src/index.js';
import { loadTranscript, playScript } from '../helpers/scripted-server.js';
import { clientTls, connect } from './support.js';

const fixture = (path: string) => new URL(`../../../test/fixtures/${path}`, import.meta.url);

for (const [eolName, eol] of [
  ['CRLF', '\r\n'],
  ['bare LF', '\n'],
] as const) {
  const lines = (...text: string[]) => Buffer.from(text.map((line) => line + eol).join(''), 'utf8');

  describe(`Dovecot session replayed with ${eolName}`, () => {
    it('logs in with USER/PASS and runs every transaction command', async () => {
      const steps = loadTranscript(fixture('dovecot/user-pass-session.txt'), eol);
      await playScript(steps, {}, async (server) => {
        const client = await connect(server, { starttls: 'never' });
        assert.equal(client.welcome, 'Dovecot (Debian) ready.');
        assert.equal(client.capabilities.stls, true);
        assert.deepEqual(client.capabilities.sasl, ['PLAIN', 'LOGIN']);
        await client.user('alice');
        assert.equal(await client.pass('wonderland'), 'Logged in.');
        assert.equal(client.capabilities.pipelining, true);
        assert.deepEqual(await client.stat(), { count: 2, size: 254 });
        assert.deepEqual(await client.list(), [
          { msg: 1, size: 163 },
          { msg: 2, size: 91 },
        ]);
        assert.deepEqual(await client.uidl(), [
          { msg: 1, uid: '00000001663f1a2b' },
          { msg: 2, uid: '00000002663f1a2b' },
        ]);
        assert.deepEqual(await client.uidl(2), { msg: 2, uid: '00000002663f1a2b' });
        const headers = [
          'Return-Path: <bob@example.org>',
          'From: Bob <bob@example.org>',
          'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=',
          'Content-Type: text/plain; charset=utf-8',
          '',
        ];
        assert.deepEqual(await client.top(1, 0), lines(...headers));
        assert.deepEqual(await client.retr(1), lines(...headers, 'Grüße aus Köln!', '.', '.signature'));
        assert.equal(await client.dele(1), 'Marked to be deleted.');
        await assert.rejects(client.retr(1), { code: 'POP3_SERVER_ERROR', response: 'Message is deleted.' });
        assert.equal(await client.rset(), '');
        assert.equal(await client.noop(), '');
        assert.equal(await client.quit(), 'Logging out.');
      });
    });
  });

  describe(`Gmail-style session over implicit TLS replayed with ${eolName}`, () => {
    it('survives a refused password, then reads the maildrop', async () => {
      const steps = loadTranscript(fixture('gmail/user-pass-session.txt'), eol);
      await playScript(steps, { secure: true }, async (server) => {
        const client = await connect(server, { secure: true, tls: clientTls() });
        assert.equal(client.welcome, 'Gpop ready for requests from 198.51.100.7 c12mb34567890xyz');
        assert.equal(client.capabilities.loginDelay, 300);
        assert.equal(client.capabilities.expire, 0);
        assert.deepEqual(client.capabilities.sasl, ['PLAIN', 'XOAUTH2', 'OAUTHBEARER']);
        assert.equal(await client.user('alice@gmail.com'), 'send PASS');
        const refused = await client.pass('wrong').catch((e: unknown) => e);
        assert.ok(refused instanceof Pop3AuthError);
        assert.equal(refused.responseCode, 'AUTH');
        assert.equal(refused.response, '[AUTH] Username and password not accepted.');
        await client.user('alice@gmail.com');
        assert.equal(await client.pass('app-password'), 'Welcome.');
        assert.deepEqual(client.capabilities.sasl, []);
        assert.deepEqual(await client.stat(), { count: 1, size: 102 });
        assert.deepEqual(await client.uidl(), [{ msg: 1, uid: 'GmailId18c7e3f4a5b6c7d8' }]);
        assert.deepEqual(await client.list(1), { msg: 1, size: 102 });
        const body = lines(
          'From: Carol <carol@example.com>',
          'Subject: Invoice 42',
          '',
          'Total: 42 €',
          '..and that is all.',
        );
        assert.deepEqual(await client.retr(1), body);
        assert.equal(await client.quit(), 'Farewell.');
      });
    });
  });
}
