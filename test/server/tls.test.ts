import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Pop3Server } from '../../src/server/index.js';
import { getTestCerts, opensslAvailable } from '../helpers/certs.js';
import { RawClient } from './helpers/raw-client.js';
import { startServer } from './helpers/server.js';

const skip = opensslAvailable()
  ? false
  : 'the openssl CLI is needed for test certificates (apt package openssl)';

describe('TLS: implicit, STLS and the plaintext-login rule', { skip }, () => {
  let certs: ReturnType<typeof getTestCerts>;
  const servers: Pop3Server[] = [];

  before(() => {
    certs = getTestCerts();
  });
  after(() => Promise.all(servers.map((s) => s.close({ graceMs: 0 }))));

  async function start(options: Parameters<typeof startServer>[0] = {}) {
    const started = await startServer({ tls: { key: certs.keyPem, cert: certs.certPem }, ...options });
    servers.push(started.server);
    return started;
  }

  it('serves implicit TLS (POP3S) and does not offer STLS there', async () => {
    const { port } = await start({ secure: true });
    const client = await RawClient.connect({ port, ca: certs.caPem });
    assert.match(client.greeting, /^\+OK pop3kit ready\./);
    const capa = await client.commandMulti('CAPA');
    assert.doesNotMatch(capa, /STLS/);
    assert.match(capa, /\r\nUSER\r\n/);
    assert.equal(await client.command('STLS'), '-ERR TLS is already active');
    await client.command('USER alice');
    assert.match(await client.command('PASS secret'), /^\+OK Logged in/);
    assert.match(await client.commandMulti('RETR 1'), /^\+OK \d+ octets\r\nFrom: bob@example.org/);
    assert.equal(await client.command('QUIT'), '+OK Logging out. 3 messages left');
  });

  it('refuses to start without tls when secure is set', async () => {
    const { Pop3Server, MemoryStore } = await import('../../src/server/index.js');
    assert.throws(() => new Pop3Server({ store: new MemoryStore(), secure: true }), TypeError);
  });

  it('upgrades with STLS and stops offering it afterwards (RFC 2595 §4)', async () => {
    const { connect } = await start();
    const client = await connect();
    assert.match(await client.commandMulti('CAPA'), /\r\nSTLS\r\n/);
    await client.startTls(certs.caPem);
    assert.doesNotMatch(await client.commandMulti('CAPA'), /STLS/);
    assert.equal(await client.command('STLS'), '-ERR TLS is already active');
    await client.command('USER alice');
    assert.match(await client.command('PASS secret'), /^\+OK Logged in/);
    await client.command('QUIT');
  });

  it('discards commands pipelined after STLS in plaintext (no injection)', async () => {
    const { connect } = await start();
    const client = await connect();
    // An attacker in the middle appends USER to the client's STLS: it must not survive.
    client.send('STLS\r\nUSER alice\r\n');
    const plain = client.socket;
    const reply = await client.line();
    assert.equal(reply, '+OK Begin TLS negotiation now.');
    plain.removeAllListeners('data');
    const { connect: tlsConnect } = await import('node:tls');
    const secured = tlsConnect({ socket: plain, ca: certs.caPem, servername: 'localhost' });
    await new Promise((resolve, reject) => secured.once('secureConnect', resolve).once('error', reject));
    const answer = await new Promise<string>((resolve) => {
      secured.once('data', (d) => resolve(d.toString('latin1')));
      secured.write('PASS secret\r\n');
    });
    assert.equal(answer, '-ERR No username given, send USER first\r\n');
    secured.destroy();
  });

  it('refuses plaintext logins without TLS when not allowed, and allows them after STLS', async () => {
    const { connect } = await start({ allowInsecureAuth: false });
    const client = await connect();
    const capa = await client.commandMulti('CAPA');
    assert.doesNotMatch(capa, /\r\nUSER\r\n/);
    assert.match(capa, /\r\nSASL SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5\r\n/);
    const refused = '-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.';
    assert.equal(await client.command('USER alice'), refused);
    assert.equal(await client.command('AUTH PLAIN'), refused);
    await client.startTls(certs.caPem);
    const after = await client.commandMulti('CAPA');
    assert.match(after, /\r\nUSER\r\n/);
    assert.match(after, /\r\nSASL SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 PLAIN LOGIN\r\n/);
    assert.equal(await client.command('USER alice'), '+OK');
    assert.match(await client.command('PASS secret'), /^\+OK Logged in/);
    await client.command('QUIT');
  });

  it('treats loopback as safe by default, as Dovecot does', async () => {
    const { connect } = await start();
    const client = await connect();
    assert.equal(await client.command('USER alice'), '+OK');
    assert.match(await client.command('PASS secret'), /^\+OK Logged in/);
    await client.command('QUIT');
  });

  it('drops a client whose implicit-TLS handshake fails and keeps serving', async () => {
    const { port } = await start({ secure: true });
    const { connect: netConnect } = await import('node:net');
    const bad = netConnect(port, '127.0.0.1');
    bad.on('error', () => {});
    bad.write('USER alice\r\n'); // plaintext where a ClientHello belongs
    await new Promise((resolve) => bad.once('close', resolve));
    const client = await RawClient.connect({ port, ca: certs.caPem });
    assert.match(client.greeting, /^\+OK/);
    await client.command('QUIT');
  });
});
