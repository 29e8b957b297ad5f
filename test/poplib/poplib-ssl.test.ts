// Port of CPython's TestPOP3_SSLClass (Lib/test/test_poplib.py, 3.11): every TestPOP3Class
// case again through POP3_SSL (implicit TLS), plus its own cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as poplib from '../../src/client/poplib.js';
import { error_proto, POP3, POP3_SSL } from '../../src/client/poplib.js';
import { Pop3TlsError } from '../../src/errors.js';
import { assertOK, assertRaisesErrorProto, trustingContext } from './harness.js';
import { definePOP3ClassTests, useFixture } from './pop3-class-cases.js';

const ALREADY = '-ERR TLS session already established';

describe('TestPOP3_SSLClass: POP3_SSL over implicit TLS', () => {
  const fixture = useFixture('POP3_SSL');
  definePOP3ClassTests('POP3_SSL', fixture);

  it('test__all__: the module exports POP3_SSL, and POP3_SSL is a POP3', () => {
    for (const name of ['POP3', 'POP3_SSL', 'error_proto', 'POP3_PORT', 'POP3_SSL_PORT']) {
      assert.ok(name in poplib, name);
    }
    assert.equal(poplib.POP3_PORT, 110);
    assert.equal(poplib.POP3_SSL_PORT, 995);
    assert.ok(fixture().client instanceof POP3);
    assert.ok(fixture().client instanceof POP3_SSL);
    assert.equal(new error_proto('x').name, 'error_proto');
  });

  it('test_context: a context is used, and keyfile/certfile are refused', async () => {
    const { server, client } = fixture();
    // CPython raises ValueError for keyfile/certfile beside a context; they were deprecated
    // and are gone in Python 3.12, so the facade refuses them whatever else is given.
    const insecure = { rejectUnauthorized: false }; // Python's CERT_NONE, check_hostname False
    for (const extra of [
      { keyfile: 'k.pem' },
      { certfile: 'c.pem' },
      { keyfile: 'k.pem', certfile: 'c.pem' },
    ]) {
      await assert.rejects(
        POP3_SSL.connect(server.host, server.port, { context: insecure, ...extra } as poplib.POP3SSLArgs),
        TypeError,
      );
    }
    await client.quit();
    const unverified = await POP3_SSL.connect(server.host, server.port, { context: insecure });
    try {
      assert.equal(unverified.client.secure, true);
      assert.ok(unverified.client.state !== 'closed');
      assertOK(await unverified.noop());
    } finally {
      unverified.close();
    }
    // Unlike poplib's default context, pop3kit's verifies: without the test CA it fails.
    await assertRaisesErrorProto(POP3_SSL.connect(server.host, server.port), { cause: Pop3TlsError });
    await assertRaisesErrorProto(POP3_SSL.connect(server.host, server.port, { timeout: 5 }), {
      cause: Pop3TlsError,
    });
    // options.tls is the default context; context is merged over it.
    const viaOptions = await POP3_SSL.connect(server.host, server.port, {}, { tls: trustingContext() });
    try {
      assert.equal(viaOptions.timeout, 60);
      assertOK(await viaOptions.noop());
    } finally {
      viaOptions.close();
    }
  });

  it('test_stls: stls() raises error_proto on an implicit TLS session', async () => {
    await assertRaisesErrorProto(fixture().client.stls(), { message: ALREADY });
  });

  it('test_stls_context: stls(context) raises error_proto too', async () => {
    const { server, client } = fixture();
    await assertRaisesErrorProto(client.stls(trustingContext()), { message: ALREADY });
    assert.ok(!server.received.includes('STLS'));
  });

  it('test_stls_capa: CAPA offers no STLS on a TLS session', async () => {
    const capa = await fixture().client.capa();
    assert.ok(!Object.keys(capa).includes('STLS'));
  });
});
