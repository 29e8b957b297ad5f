// Port of CPython's TestPOP3_TLSClass (Lib/test/test_poplib.py, 3.11): every TestPOP3Class
// case again after POP3.stls(), plus its own cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertRaisesErrorProto, trustingContext } from './harness.js';
import { definePOP3ClassTests, useFixture } from './pop3-class-cases.js';

const ALREADY = '-ERR TLS session already established';

describe('TestPOP3_TLSClass: POP3 upgraded with stls()', () => {
  const fixture = useFixture('POP3_TLS');
  definePOP3ClassTests('POP3_TLS', fixture);

  it('test_stls: a second stls() raises error_proto', async () => {
    await assertRaisesErrorProto(fixture().client.stls(), { message: ALREADY });
  });

  it('test_stls_context: a second stls(context) raises error_proto', async () => {
    const { server, client } = fixture();
    await assertRaisesErrorProto(client.stls(trustingContext()), { message: ALREADY });
    assert.equal(server.received.filter((line) => line === 'STLS').length, 1);
  });

  it('test_stls_capa: CAPA offers no STLS after the upgrade', async () => {
    // CPython's version looks for the bytes key b'STLS', which a dict of str never holds.
    const capa = await fixture().client.capa();
    assert.ok(!Object.keys(capa).includes('STLS'));
    assert.ok(Object.keys(capa).includes('IMPLEMENTATION'));
  });
});
