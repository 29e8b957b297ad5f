import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pop3StateError } from '../../src/errors.js';
import {
  createServerMechanism,
  type SaslServerStep,
  SERVER_MECHANISMS,
  settleStep,
} from '../../src/sasl/server/index.js';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const empty = Buffer.alloc(0);

function failure(step: SaslServerStep, reason: 'malformed' | 'credentials'): void {
  assert.equal(step.kind, 'failure');
  if (step.kind === 'failure') assert.equal(step.reason, reason);
}

describe('server mechanisms: malformed client messages fail instead of throwing', () => {
  for (const [name, message] of [
    ['PLAIN', 'no separators'],
    ['PLAIN', '\0\0pass'],
    ['PLAIN', 'a\0b\0c\0d'],
    ['PLAIN', '\0user\0'],
    ['CRAM-MD5', 'tim'],
    ['CRAM-MD5', 'tim b913a602c7eda7a495b4e6e7334d389'],
    ['CRAM-MD5', ' b913a602c7eda7a495b4e6e7334d3890'],
    ['SCRAM-SHA-1', 'p=tls-unique,,n=user,r=abc'],
    ['SCRAM-SHA-1', 'n,,r=abc,n=user'],
    ['SCRAM-SHA-1', 'n,,m=ext,n=user,r=abc'],
    ['SCRAM-SHA-1', 'n,,n=us=3Xer,r=abc'],
    ['SCRAM-SHA-256', 'n,a=,n=user,r=abc'],
    ['SCRAM-SHA-256', 'x,,n=user,r=abc'],
    ['XOAUTH2', 'user=a\x01auth=Bearer t\x01'],
    ['XOAUTH2', 'auth=Bearer t\x01\x01'],
    ['XOAUTH2', 'user=a\x01auth=Basic dDp0\x01\x01'],
    ['OAUTHBEARER', 'n,,\x01auth=Bearer t\x01\x01'],
    ['OAUTHBEARER', 'p=x,a=u,\x01auth=Bearer t\x01\x01'],
    ['OAUTHBEARER', 'n,a=u,\x01host=h\x01\x01'],
  ] as const) {
    it(`${name} refuses ${JSON.stringify(message)}`, () => {
      const server = createServerMechanism(name);
      const first = server.start(undefined);
      failure(first.kind === 'challenge' ? server.respond(text(message)) : first, 'malformed');
    });
  }

  it('refuses bytes that are not UTF-8', () => {
    failure(createServerMechanism('PLAIN').start(Buffer.from([0, 0x75, 0, 0xff])), 'malformed');
  });

  it('CRAM-MD5 refuses an initial response', () => {
    failure(createServerMechanism('CRAM-MD5').start(text('tim')), 'malformed');
  });
});

describe('server mechanisms: state', () => {
  it('asks for the initial response with an empty challenge when AUTH carried none', () => {
    for (const name of ['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'XOAUTH2', 'OAUTHBEARER']) {
      assert.deepEqual(
        createServerMechanism(name).start(undefined),
        { kind: 'challenge', challenge: empty },
        name,
      );
    }
  });

  it('LOGIN prompts for the user name, or takes it as the initial response', () => {
    assert.deepEqual(createServerMechanism('LOGIN').start(undefined), {
      kind: 'challenge',
      challenge: text('Username:'),
    });
    assert.deepEqual(createServerMechanism('LOGIN').start(text('alice')), {
      kind: 'challenge',
      challenge: text('Password:'),
    });
  });

  it('CRAM-MD5 challenges are unique msg-ids naming the host', () => {
    const a = createServerMechanism('CRAM-MD5', { cramMd5: { hostname: 'pop.example' } }).start(undefined);
    const b = createServerMechanism('CRAM-MD5', { cramMd5: { hostname: 'pop.example' } }).start(undefined);
    assert.ok(a.kind === 'challenge' && b.kind === 'challenge');
    assert.match(a.challenge.toString(), /^<\d+\.\d+@pop\.example>$/);
    assert.notDeepEqual(a.challenge, b.challenge);
  });

  it('throws Pop3StateError when the session calls out of turn', () => {
    const server = createServerMechanism('PLAIN');
    assert.throws(() => server.respond(empty), Pop3StateError);
    server.start(text('\0u\0p'));
    assert.throws(() => server.provideTokenVerdict(true), Pop3StateError);
    server.providePassword('p');
    assert.throws(() => server.providePassword('p'), Pop3StateError);
  });

  it('SCRAM fails a client that answers v= with data', () => {
    const server = createServerMechanism('SCRAM-SHA-1', {
      scram: { nonce: '3rfcNHYJY1ZVvWVs7j', salt: Buffer.from('QSXCR+Q6sek8bf92', 'base64') },
    });
    server.start(text('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL'));
    server.providePassword('pencil');
    server.respond(
      text('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts='),
    );
    failure(server.respond(text('x')), 'malformed');
  });

  it('SCRAM fails a client-final with a different nonce or channel binding', () => {
    for (const final of [
      'c=biws,r=fyko+d2lbbFgONRv9qkxdawLXXX,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
      'c=eSws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
      'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j',
    ]) {
      const server = createServerMechanism('SCRAM-SHA-1', { scram: { nonce: '3rfcNHYJY1ZVvWVs7j' } });
      server.start(text('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL'));
      server.providePassword('pencil');
      failure(server.respond(text(final)), 'malformed');
    }
  });

  it('SCRAM answers an unknown user like a known one and fails at the proof', () => {
    const server = createServerMechanism('SCRAM-SHA-256');
    server.start(text('n,,n=nobody,r=abc'));
    const first = server.providePassword(undefined);
    assert.ok(first.kind === 'challenge');
    assert.match(first.challenge.toString(), /^r=abc[^,]+,s=[A-Za-z0-9+/=]+,i=4096$/);
  });

  it('lists the mechanisms a CAPA SASL line can advertise', () => {
    assert.deepEqual(SERVER_MECHANISMS, [
      'SCRAM-SHA-256',
      'SCRAM-SHA-1',
      'CRAM-MD5',
      'PLAIN',
      'LOGIN',
      'OAUTHBEARER',
      'XOAUTH2',
    ]);
    assert.throws(() => createServerMechanism('ANONYMOUS'), TypeError);
  });
});

describe('server OAuth mechanisms', () => {
  it('XOAUTH2 passes the token to the checker and sends a JSON error when it is refused', async () => {
    const server = createServerMechanism('XOAUTH2', { oauth: { scope: 'https://mail.example/' } });
    const seen: string[] = [];
    const lookup = {
      verifyToken: (user: string, token: string) => {
        seen.push(`${user} ${token}`);
        return false;
      },
    };
    const step = await settleStep(
      server,
      server.start(text('user=a@b\x01auth=Bearer ya29.x\x01\x01')),
      lookup,
    );
    assert.deepEqual(seen, ['a@b ya29.x']);
    assert.ok(step.kind === 'challenge');
    assert.deepEqual(JSON.parse(step.challenge.toString()), {
      status: '401',
      schemes: 'bearer',
      scope: 'https://mail.example/',
    });
    failure(server.respond(empty), 'credentials');
  });

  it('OAUTHBEARER reads host, port and token, and logs in the a= user', async () => {
    const server = createServerMechanism('OAUTHBEARER');
    const step = server.start(text('n,a=u=2Cv,\x01host=h\x01port=110\x01auth=Bearer tok=\x01\x01'));
    assert.deepEqual(step, { kind: 'need-token-check', user: 'u,v', authzid: undefined, token: 'tok=' });
    assert.deepEqual(server.provideTokenVerdict(true), { kind: 'success', user: 'u,v', authzid: undefined });
  });

  it('OAUTHBEARER sends the RFC 7628 §3.2.2 error and fails after the ^A answer', async () => {
    const server = createServerMechanism('OAUTHBEARER', {
      oauth: { scope: 's', openidConfiguration: 'https://x/' },
    });
    server.start(text('n,a=u,\x01auth=Bearer t\x01\x01'));
    const step = server.provideTokenVerdict(false);
    assert.ok(step.kind === 'challenge');
    assert.equal(
      step.challenge.toString(),
      '{"status":"invalid_token","scope":"s","openid-configuration":"https://x/"}',
    );
    failure(server.respond(Buffer.from([1])), 'credentials');
  });
});
