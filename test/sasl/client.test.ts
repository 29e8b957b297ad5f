import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pop3AuthError, Pop3ProtocolError, Pop3SecurityError } from '../../src/errors.js';
import {
  CLIENT_MECHANISMS,
  createClientMechanism,
  type OAuthClient,
  selectClientMechanism,
} from '../../src/sasl/index.js';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const ALL = { user: 'alice', pass: 'secret', accessToken: 'ya29.token' };

/** A SCRAM-SHA-1 client that has sent client-final for the RFC 5802 §5 exchange. */
function scramAfterClientFinal() {
  const client = createClientMechanism(
    'SCRAM-SHA-1',
    { user: 'user', pass: 'pencil' },
    { scram: { nonce: 'fyko+d2lbbFgONRv9qkxdawL' } },
  );
  client.step(text('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'));
  return client;
}

describe('LOGIN client', () => {
  it('has no initial response and answers user then password whatever the prompts say', () => {
    const client = createClientMechanism('LOGIN', { user: 'alice', pass: 'secret' });
    assert.equal(client.initialResponse(), undefined);
    assert.deepEqual(client.step(text('Password:')), text('alice'));
    assert.deepEqual(client.step(text('User Name')), text('secret'));
  });

  it('refuses a third prompt', () => {
    const client = createClientMechanism('LOGIN', { user: 'alice', pass: 'secret' });
    client.step(text('Username:'));
    client.step(text('Password:'));
    assert.throws(() => client.step(text('Password:')), Pop3ProtocolError);
  });
});

describe('XOAUTH2 client', () => {
  it('sends user=U^Aauth=Bearer T^A^A', () => {
    const client = createClientMechanism('XOAUTH2', {
      user: 'someuser@example.com',
      accessToken: 'ya29.vF9dft4q',
    });
    assert.deepEqual(
      client.initialResponse(),
      text('user=someuser@example.com\x01auth=Bearer ya29.vF9dft4q\x01\x01'),
    );
  });

  it('answers a JSON error continuation with an empty response and keeps the details', () => {
    const client = createClientMechanism('XOAUTH2', ALL) as OAuthClient;
    const error = '{"status":"401","schemes":"bearer mac","scope":"https://mail.google.com/"}';
    assert.deepEqual(client.step(text(error)), Buffer.alloc(0));
    assert.deepEqual(client.serverError, {
      status: '401',
      scope: 'https://mail.google.com/',
      openidConfiguration: undefined,
    });
    assert.throws(() => client.step(text(error)), Pop3ProtocolError);
  });

  it('sends the initial response on an empty challenge (two-step form), then treats the next as the error', () => {
    const client = createClientMechanism('XOAUTH2', ALL);
    assert.deepEqual(client.step(Buffer.alloc(0)), client.initialResponse());
    assert.deepEqual(client.step(text('{"status":"400"}')), Buffer.alloc(0));
  });

  it('refuses a token with ^A in it before anything is sent', () => {
    assert.throws(
      () => createClientMechanism('XOAUTH2', { user: 'a', accessToken: 'x\x01user=admin' }),
      Pop3SecurityError,
    );
  });
});

describe('OAUTHBEARER client', () => {
  it('sends the RFC 7628 §3.1 message with host and port', () => {
    const client = createClientMechanism(
      'OAUTHBEARER',
      { user: 'user@example.com', accessToken: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==' },
      { oauthbearer: { host: 'server.example.com', port: 143 } },
    );
    assert.deepEqual(
      client.initialResponse(),
      text(
        'n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01',
      ),
    );
  });

  it('omits host and port when not given and escapes the user name', () => {
    const client = createClientMechanism('OAUTHBEARER', { user: 'a,b=c', accessToken: 'T' });
    assert.deepEqual(client.initialResponse(), text('n,a=a=2Cb=3Dc,\x01auth=Bearer T\x01\x01'));
  });

  it('answers the RFC 7628 §3.2.2 error challenge with ^A (AQ== on the wire)', () => {
    const client = createClientMechanism('OAUTHBEARER', ALL) as OAuthClient;
    const error =
      '{"status":"invalid_token","scope":"example_scope","openid-configuration":"https://example.com/.well-known/openid-configuration"}';
    const answer = client.step(text(error));
    assert.equal(answer.toString('base64'), 'AQ==');
    assert.equal(client.serverError?.status, 'invalid_token');
    assert.equal(
      client.serverError?.openidConfiguration,
      'https://example.com/.well-known/openid-configuration',
    );
    assert.throws(() => client.step(text(error)), Pop3ProtocolError);
  });

  it('rejects an impossible port', () => {
    assert.throws(
      () => createClientMechanism('OAUTHBEARER', ALL, { oauthbearer: { port: 70000 } }),
      TypeError,
    );
  });
});

describe('EXTERNAL and PLAIN clients', () => {
  it('EXTERNAL sends the authzid, or an empty initial response', () => {
    assert.deepEqual(
      createClientMechanism('EXTERNAL', { user: 'x', authzid: 'bob' }).initialResponse(),
      text('bob'),
    );
    assert.deepEqual(createClientMechanism('EXTERNAL', { user: 'x' }).initialResponse(), Buffer.alloc(0));
  });

  it('PLAIN refuses a NUL that would shift its fields', () => {
    assert.throws(() => createClientMechanism('PLAIN', { user: 'bob\0admin', pass: 'x' }), Pop3SecurityError);
    assert.throws(() => createClientMechanism('PLAIN', { user: 'bob', pass: 'x\0y' }), Pop3SecurityError);
  });

  it('PLAIN answers only the empty challenge of the two-step form', () => {
    const client = createClientMechanism('PLAIN', { user: 'bob', pass: 'x' });
    assert.deepEqual(client.step(Buffer.alloc(0)), text('\0bob\0x'));
    assert.throws(() => client.step(Buffer.alloc(0)), Pop3ProtocolError);
  });

  it('a mechanism missing its credential fails before anything is sent', () => {
    assert.throws(() => createClientMechanism('PLAIN', { user: 'bob' }), /PLAIN needs credentials.pass/);
    assert.throws(
      () => createClientMechanism('XOAUTH2', { user: 'bob' }),
      /XOAUTH2 needs credentials.accessToken/,
    );
  });
});

describe('SCRAM client', () => {
  it('sends the authzid in the gs2 header and escapes , and = in names (RFC 5802 §5.1)', () => {
    const client = createClientMechanism(
      'SCRAM-SHA-256',
      { user: 'a,b=c', pass: 'p', authzid: 'd=e' },
      { scram: { nonce: 'abc' } },
    );
    assert.equal(client.initialResponse()?.toString(), 'n,a=d=3De,n=a=2Cb=3Dc,r=abc');
  });

  it('rejects a wrong server signature', () => {
    const client = scramAfterClientFinal();
    assert.throws(() => client.step(text('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=')), /wrong server signature/);
    assert.throws(() => client.finish(), Pop3ProtocolError);
  });

  it('reports a server-final e= as an authentication failure', () => {
    const client = scramAfterClientFinal();
    assert.throws(
      () => client.step(text('e=invalid-proof')),
      (e) => e instanceof Pop3AuthError && /invalid-proof/.test(e.message),
    );
  });

  it('refuses +OK before the server proved it knows the password', () => {
    assert.throws(() => scramAfterClientFinal().finish(), /without proving/);
    const fresh = createClientMechanism('SCRAM-SHA-1', { user: 'u', pass: 'p' });
    fresh.initialResponse();
    assert.throws(() => fresh.finish(), Pop3ProtocolError);
  });

  it('accepts the server signature as success data on +OK', () => {
    const client = scramAfterClientFinal();
    assert.doesNotThrow(() => client.finish(text('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')));
  });

  it('refuses any challenge after server-final', () => {
    const client = scramAfterClientFinal();
    client.step(text('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='));
    assert.throws(() => client.step(Buffer.alloc(0)), Pop3ProtocolError);
  });

  const nonce = 'fyko+d2lbbFgONRv9qkxdawL';
  for (const [label, serverFirst, pattern] of [
    [
      'a nonce that does not extend the client nonce',
      'r=XXXX3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
      /nonce/,
    ],
    ['a nonce equal to the client nonce', `r=${nonce},s=QSXCR+Q6sek8bf92,i=4096`, /nonce/],
    ['fewer than 4096 iterations', `r=${nonce}X,s=QSXCR+Q6sek8bf92,i=4095`, /iteration count 4095/],
    ['an absurd iteration count', `r=${nonce}X,s=QSXCR+Q6sek8bf92,i=1000001`, /iteration count 1000001/],
    ['a non-numeric iteration count', `r=${nonce}X,s=QSXCR+Q6sek8bf92,i=0x1000`, /iteration count/],
    ['a salt that is not base64', `r=${nonce}X,s=QSX*R+Q6,i=4096`, /salt/],
    ['a mandatory extension', `m=x,r=${nonce}X,s=QSXCR+Q6sek8bf92,i=4096`, /mandatory extension/],
    ['attributes out of order', `s=QSXCR+Q6sek8bf92,r=${nonce}X,i=4096`, /lacks/],
    ['garbage', 'hello', /malformed/],
  ] as const) {
    it(`rejects a server-first with ${label}`, () => {
      const client = createClientMechanism(
        'SCRAM-SHA-1',
        { user: 'user', pass: 'pencil' },
        { scram: { nonce } },
      );
      client.initialResponse();
      assert.throws(
        () => client.step(text(serverFirst)),
        (e) => e instanceof Pop3ProtocolError && pattern.test(e.message),
      );
    });
  }

  it('honours a configured iteration bound', () => {
    const client = createClientMechanism(
      'SCRAM-SHA-1',
      { user: 'user', pass: 'pencil' },
      { scram: { nonce, maxIterations: 4096 } },
    );
    assert.throws(() => client.step(text(`r=${nonce}X,s=QSXCR+Q6sek8bf92,i=4097`)), Pop3ProtocolError);
  });

  it('SASLpreps the password: a soft hyphen does not change the proof', () => {
    const first = 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096';
    const client = createClientMechanism(
      'SCRAM-SHA-1',
      { user: 'user', pass: 'pen\u00ADcil' },
      { scram: { nonce } },
    );
    assert.match(client.step(text(first)).toString(), /p=v0X8v3Bz2T0CJGbJQyF0X\+HI4Ts=$/);
  });

  it('refuses a password that SASLprep prohibits', () => {
    assert.throws(() => createClientMechanism('SCRAM-SHA-256', { user: 'u', pass: 'a\u0007b' }), TypeError);
  });
});

describe('every client mechanism stops an endless run of continuations', () => {
  for (const name of CLIENT_MECHANISMS) {
    for (const [label, challenge] of [
      ['empty', Buffer.alloc(0)],
      ['non-empty', text('<1.2@x>')],
    ] as const) {
      it(`${name} with ${label} challenges`, () => {
        const client = createClientMechanism(name, ALL);
        assert.throws(() => {
          for (let i = 0; i < 10; i++) client.step(challenge);
        }, Pop3ProtocolError);
      });
    }
  }
});

describe('registry', () => {
  it('finds mechanisms case-insensitively and refuses unknown ones', () => {
    assert.equal(createClientMechanism('scram-sha-256', ALL).name, 'SCRAM-SHA-256');
    assert.throws(() => createClientMechanism('GSSAPI', ALL), /unsupported SASL mechanism GSSAPI/);
  });

  it('selects the strongest mechanism the server offers for the credentials', () => {
    const offered = ['PLAIN', 'LOGIN', 'SCRAM-SHA-1', 'XOAUTH2', 'cram-md5'];
    assert.equal(selectClientMechanism(offered, { user: 'u', pass: 'p' }), 'SCRAM-SHA-1');
    assert.equal(selectClientMechanism(offered, { user: 'u', accessToken: 't' }), 'XOAUTH2');
    assert.equal(selectClientMechanism(['LOGIN'], { user: 'u', accessToken: 't' }), undefined);
    assert.equal(selectClientMechanism(['EXTERNAL'], { user: 'u', pass: 'p' }), undefined);
  });
});

describe('mechanism registry', () => {
  it('lists in names.ts exactly the mechanisms the registry can create', async () => {
    const { FACTORIES } = await import('../../src/sasl/index.js');
    const { CLIENT_MECHANISMS } = await import('../../src/sasl/names.js');
    assert.deepEqual([...FACTORIES.keys()].sort(), [...CLIENT_MECHANISMS].sort());
  });
});
