import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apopDigest, cramMd5Digest, createClientMechanism } from '../../src/sasl/index.js';
import { createServerMechanism } from '../../src/sasl/server/index.js';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('RFC 1939 §7 APOP', () => {
  it('computes the example digest', () => {
    assert.equal(
      apopDigest('<1896.697170952@dbc.mtview.ca.us>', 'tanstaaf'),
      'c4c9334bac560ecc979e58001b3e22fb',
    );
  });
});

describe('RFC 2195 CRAM-MD5', () => {
  const challenge = '<1896.697170952@postoffice.reston.mci.net>';

  it('client answers the example challenge', () => {
    const client = createClientMechanism('CRAM-MD5', { user: 'tim', pass: 'tanstaaftanstaaf' });
    assert.equal(client.initialResponse(), undefined);
    assert.equal(client.step(text(challenge)).toString(), 'tim b913a602c7eda7a495b4e6e7334d3890');
    assert.equal(cramMd5Digest('tanstaaftanstaaf', text(challenge)), 'b913a602c7eda7a495b4e6e7334d3890');
  });

  it('server accepts the example answer', () => {
    const server = createServerMechanism('CRAM-MD5', { cramMd5: { challenge } });
    const first = server.start(undefined);
    assert.deepEqual(first, { kind: 'challenge', challenge: text(challenge) });
    const need = server.respond(text('tim b913a602c7eda7a495b4e6e7334d3890'));
    assert.deepEqual(need, { kind: 'need-password', user: 'tim', authzid: undefined });
    assert.deepEqual(server.providePassword('tanstaaftanstaaf'), {
      kind: 'success',
      user: 'tim',
      authzid: undefined,
    });
  });
});

describe('RFC 4616 §4 PLAIN', () => {
  it('encodes tim without an authzid', () => {
    const client = createClientMechanism('PLAIN', { user: 'tim', pass: 'tanstaaftanstaaf' });
    assert.deepEqual(client.initialResponse(), text('\0tim\0tanstaaftanstaaf'));
  });

  it('encodes Kurt authorizing as Ursel', () => {
    const client = createClientMechanism('PLAIN', { user: 'Kurt', pass: 'xipj3plmq', authzid: 'Ursel' });
    assert.deepEqual(client.initialResponse(), text('Ursel\0Kurt\0xipj3plmq'));
  });

  it('server reads both examples', () => {
    const server = createServerMechanism('PLAIN');
    assert.deepEqual(server.start(text('Ursel\0Kurt\0xipj3plmq')), {
      kind: 'need-password',
      user: 'Kurt',
      authzid: 'Ursel',
    });
    assert.deepEqual(server.providePassword('xipj3plmq'), {
      kind: 'success',
      user: 'Kurt',
      authzid: 'Ursel',
    });
    const other = createServerMechanism('PLAIN');
    assert.equal(other.start(text('\0tim\0tanstaaftanstaaf')).kind, 'need-password');
    assert.deepEqual(other.providePassword('tanstaaftanstaaf'), {
      kind: 'success',
      user: 'tim',
      authzid: undefined,
    });
  });
});

// RFC 5802 §5 and RFC 7677 §3: user "user", password "pencil".
const VECTORS = [
  {
    name: 'SCRAM-SHA-1',
    rfc: 'RFC 5802 §5',
    clientNonce: 'fyko+d2lbbFgONRv9qkxdawL',
    serverNonce: '3rfcNHYJY1ZVvWVs7j',
    salt: 'QSXCR+Q6sek8bf92',
    proof: 'v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
    signature: 'rmF9pqV8S7suAoZWja4dJRkFsKQ=',
  },
  {
    name: 'SCRAM-SHA-256',
    rfc: 'RFC 7677 §3',
    clientNonce: 'rOprNGfwEbeRWgbNEkqO',
    serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    salt: 'W22ZaJ0SNY7soEsUEjb6gQ==',
    proof: 'dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
    signature: '6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
  },
];

for (const v of VECTORS) {
  const clientFirst = `n,,n=user,r=${v.clientNonce}`;
  const serverFirst = `r=${v.clientNonce}${v.serverNonce},s=${v.salt},i=4096`;
  const clientFinal = `c=biws,r=${v.clientNonce}${v.serverNonce},p=${v.proof}`;
  const serverFinal = `v=${v.signature}`;

  describe(`${v.rfc} ${v.name}`, () => {
    it('client produces the example messages and verifies the server signature', () => {
      const client = createClientMechanism(
        v.name,
        { user: 'user', pass: 'pencil' },
        { scram: { nonce: v.clientNonce } },
      );
      assert.equal(client.initialResponse()?.toString(), clientFirst);
      assert.equal(client.step(text(serverFirst)).toString(), clientFinal);
      assert.equal(client.step(text(serverFinal)).length, 0);
      assert.doesNotThrow(() => client.finish());
    });

    it('server produces the example messages and accepts the proof', () => {
      const server = createServerMechanism(v.name, {
        scram: { nonce: v.serverNonce, salt: Buffer.from(v.salt, 'base64'), iterations: 4096 },
      });
      assert.deepEqual(server.start(text(clientFirst)), {
        kind: 'need-password',
        user: 'user',
        authzid: undefined,
      });
      assert.deepEqual(server.providePassword('pencil'), { kind: 'challenge', challenge: text(serverFirst) });
      assert.deepEqual(server.respond(text(clientFinal)), {
        kind: 'challenge',
        challenge: text(serverFinal),
      });
      assert.deepEqual(server.respond(Buffer.alloc(0)), {
        kind: 'success',
        user: 'user',
        authzid: undefined,
      });
    });
  });
}
