// Port of CPython's TestPOP3Class (Lib/test/test_poplib.py, 3.11): pop3kit/poplib's POP3
// against the in-process DummyPOP3Handler, over plain TCP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POP3 } from '../../src/client/poplib.js';
import { Pop3ServerError, Pop3TlsError } from '../../src/errors.js';
import { getTestCerts } from '../helpers/certs.js';
import { DummyPOP3Server } from './dummy-pop3-server.js';
import { assertOK, assertRaisesErrorProto, bytes, LOOPBACK_TIMEOUT, trustingContext } from './harness.js';
import { definePOP3ClassTests, useFixture } from './pop3-class-cases.js';

describe('TestPOP3Class: POP3 over plain TCP', () => {
  const fixture = useFixture('POP3');
  definePOP3ClassTests('POP3', fixture);

  it('test_stls_capa: CAPA offers STLS before TLS', async () => {
    const capa = await fixture().client.capa();
    assert.ok(Object.keys(capa).includes('STLS'));
  });

  it('test_stls: stls() upgrades and returns the status line', async () => {
    const { server, client } = fixture();
    // poplib's default context verifies nothing, so CPython's stls() succeeds against a test
    // certificate; pop3kit verifies, so with no trusted CA the handshake fails (and the
    // connection closes) ...
    await assertRaisesErrorProto(client.stls(), { cause: Pop3TlsError });
    assert.equal(client.client.state, 'closed');
    // ... and succeeds when the context trusts the test CA.
    const trusting = await POP3.connect(server.host, server.port, LOOPBACK_TIMEOUT);
    try {
      assert.deepEqual(await trusting.stls(trustingContext()), bytes('+OK Begin TLS negotiation'));
      assert.equal(trusting.client.secure, true);
      assert.deepEqual(await trusting.noop(), bytes('+OK done nothing.'));
    } finally {
      trusting.close();
    }
  });

  it('test_stls_context: a verifying context refuses a certificate for another host name', async () => {
    // CPython's certificate names only "localhost" and the client connects to 127.0.0.1; the
    // test certificates here name both, so the refused case uses one made for wrong.example.
    const wrong = await DummyPOP3Server.start({ cert: getTestCerts().wrongHost });
    try {
      const client = await POP3.connect(wrong.host, wrong.port, LOOPBACK_TIMEOUT);
      await assertRaisesErrorProto(client.stls(trustingContext()), { cause: Pop3TlsError });
      client.close();
    } finally {
      await wrong.stop();
    }
    const { server } = fixture();
    const client = await POP3.connect('localhost', server.port, LOOPBACK_TIMEOUT);
    try {
      assert.deepEqual(await client.stls(trustingContext()), bytes('+OK Begin TLS negotiation'));
    } finally {
      client.close();
    }
  });

  it('the connect options give stls() its default context', async () => {
    const { server } = fixture();
    const client = await POP3.connect(server.host, server.port, LOOPBACK_TIMEOUT, { tls: trustingContext() });
    try {
      assert.deepEqual(await client.stls(), bytes('+OK Begin TLS negotiation'));
      const capa = await client.capa();
      assert.ok(!Object.hasOwn(capa, 'STLS'));
    } finally {
      client.close();
    }
  });

  it('stls() raises error_proto when CAPA fails or lacks STLS, as poplib does', async () => {
    const { server, client } = fixture();
    server.overrides.set('capa', '-ERR no CAPA here');
    const error = await assertRaisesErrorProto(client.stls(trustingContext()), {
      message: '-ERR CAPA not supported by server',
      cause: Pop3ServerError,
    });
    assert.ok(error.cause instanceof Pop3ServerError);

    const noSsl = await DummyPOP3Server.start({ supportsSSL: false });
    const plain = await POP3.connect(noSsl.host, noSsl.port, LOOPBACK_TIMEOUT);
    try {
      await assertRaisesErrorProto(plain.stls(trustingContext()), {
        message: '-ERR STLS not supported by server',
      });
      assert.ok(!noSsl.received.includes('STLS'));
      assertOK(await plain.noop());
    } finally {
      plain.close();
      await noSsl.stop();
    }
  });
});
