// client.auth() against a scripted server, exact bytes both ways (RFC 5034 §4).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { Pop3AuthError, Pop3ProtocolError } from '../../src/errors.js';
import { b64, CAPA_AFTER_LOGIN, connectTo, greeting, type PeerConnection, withPeer } from './sasl-peer.js';
import { serveScram } from './scram-peer.js';

const SASL_ALL = 'SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER EXTERNAL';
const CAPA = [SASL_ALL, 'USER', 'RESP-CODES', 'AUTH-RESP-CODE'];
const T = { timeout: 20_000 };

/** RFC 4616 §2 message without authzid. */
const plain = (user: string, pass: string) => b64(`\0${user}\0${pass}`);
const oauthBearer = (user: string, port: number, token: string) =>
  `n,a=${user},\x01host=127.0.0.1\x01port=${port}\x01auth=Bearer ${token}\x01\x01`;
const xoauth2 = (user: string, token: string) => b64(`user=${user}\x01auth=Bearer ${token}\x01\x01`);

const isAuthError = (code: string | undefined) => (error: unknown) => {
  assert.ok(error instanceof Pop3AuthError, `expected Pop3AuthError, got ${String(error)}`);
  assert.equal(error.code, 'POP3_AUTH_ERROR');
  assert.equal(error.command, 'AUTH');
  assert.equal(error.responseCode, code);
  return true;
};

const isProtocolError = (error: unknown) => {
  assert.ok(error instanceof Pop3ProtocolError, `expected Pop3ProtocolError, got ${String(error)}`);
  assert.equal(error.code, 'POP3_PROTOCOL_ERROR');
  return true;
};

describe('AUTH initial response and the 255-octet line limit (RFC 5034 §4)', () => {
  test('sends the PLAIN initial response on the AUTH line when the whole line is 253 octets', T, async () => {
    const pass = 'p'.repeat(173); // 180 octets of PLAIN message -> 240 of base64
    const line = `AUTH PLAIN ${plain('alice', pass)}`;
    assert.equal(line.length + 2, 253);
    await withPeer(
      (conn) => conn.run([...greeting(CAPA), `C: ${line}`, 'S: +OK Logged in', ...CAPA_AFTER_LOGIN]),
      async (peer) => {
        const client = await connectTo(peer);
        assert.equal(await client.auth('PLAIN', { user: 'alice', pass }), 'Logged in');
        assert.equal(client.state, 'transaction');
        client.close();
      },
    );
  });

  test(
    'sends a PLAIN initial response after the first "+ " when the AUTH line would be 257 octets',
    T,
    async () => {
      const pass = 'p'.repeat(174); // 181 octets -> 244 of base64 -> 257 with "AUTH PLAIN " and CRLF
      assert.equal(`AUTH PLAIN ${plain('alice', pass)}`.length + 2, 257);
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(CAPA),
            'C: AUTH PLAIN',
            'S: + ',
            `C: ${plain('alice', pass)}`,
            'S: +OK Logged in',
            ...CAPA_AFTER_LOGIN,
          ]),
        async (peer) => {
          const client = await connectTo(peer);
          assert.equal(await client.auth('PLAIN', { user: 'alice', pass }), 'Logged in');
          client.close();
        },
      );
    },
  );

  test('keeps an OAUTHBEARER initial response on an AUTH line of exactly 255 octets', T, async () => {
    let line = '';
    await withPeer(
      (conn) => conn.run([...greeting(CAPA), `C: ${line}`, 'S: +OK Logged in', ...CAPA_AFTER_LOGIN]),
      async (peer) => {
        // 177 octets of message -> 236 of base64; "AUTH OAUTHBEARER " (17) + 236 + CRLF = 255.
        const token = 't'.repeat(177 - oauthBearer('alice', peer.port, '').length);
        line = `AUTH OAUTHBEARER ${b64(oauthBearer('alice', peer.port, token))}`;
        assert.equal(line.length + 2, 255);
        const client = await connectTo(peer);
        await client.auth('OAUTHBEARER', { user: 'alice', accessToken: token });
        client.close();
      },
    );
  });

  test(
    'moves a long OAuth token after the first "+ " once the AUTH line would pass 255 octets',
    T,
    async () => {
      let response = '';
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(CAPA),
            'C: AUTH OAUTHBEARER',
            'S: + ',
            `C: ${response}`,
            'S: +OK Logged in',
            ...CAPA_AFTER_LOGIN,
          ]),
        async (peer) => {
          // One octet more than the 255-octet case: 178 octets of message -> 240 of base64 -> 259.
          const token = 't'.repeat(178 - oauthBearer('alice', peer.port, '').length);
          response = b64(oauthBearer('alice', peer.port, token));
          assert.equal(`AUTH OAUTHBEARER ${response}`.length + 2, 259);
          const client = await connectTo(peer);
          await client.auth('OAUTHBEARER', { user: 'alice', accessToken: token });
          client.close();
        },
      );
    },
  );

  test('sends a 2 KiB OAuth token after "+ " (a real-world Microsoft 365 token size)', T, async () => {
    const token = `eyJ0eXAiOiJKV1Qi.${'A'.repeat(2048)}.sig`;
    let response = '';
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(CAPA),
          'C: AUTH OAUTHBEARER',
          'S: + ',
          `C: ${response}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        response = b64(oauthBearer('alice', peer.port, token));
        const client = await connectTo(peer);
        await client.auth('OAUTHBEARER', { user: 'alice', accessToken: token });
        client.close();
      },
    );
  });

  test('answers a bare "+" continuation (no space) like "+ "', T, async () => {
    const pass = 'p'.repeat(200);
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(CAPA),
          'C: AUTH PLAIN',
          'S: +',
          `C: ${plain('alice', pass)}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.auth('PLAIN', { user: 'alice', pass });
        client.close();
      },
    );
  });

  test('sends "=" for an empty initial response: EXTERNAL with no authzid', T, async () => {
    await withPeer(
      (conn) => conn.run([...greeting(CAPA), 'C: AUTH EXTERNAL =', 'S: +OK Logged in', ...CAPA_AFTER_LOGIN]),
      async (peer) => {
        const client = await connectTo(peer);
        assert.equal(await client.auth('EXTERNAL', { user: 'alice' }), 'Logged in');
        client.close();
      },
    );
  });

  test('sends the EXTERNAL authzid as the initial response when one is given', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(CAPA),
          `C: AUTH EXTERNAL ${b64('bob')}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.auth('EXTERNAL', { user: 'alice', authzid: 'bob' });
        client.close();
      },
    );
  });

  test('LOGIN and CRAM-MD5 have no initial response: AUTH alone, then the answers', T, async () => {
    // RFC 2195 §2 example for CRAM-MD5; LOGIN answers the prompts whatever they say.
    const challenge = 'PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+';
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(CAPA),
          'C: AUTH LOGIN',
          `S: + ${b64('Username:')}`,
          `C: ${b64('tim')}`,
          `S: + ${b64('Password:')}`,
          `C: ${b64('tanstaaftanstaaf')}`,
          'S: -ERR [AUTH] try again',
          'C: AUTH CRAM-MD5',
          `S: + ${challenge}`,
          'C: dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw',
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        const credentials = { user: 'tim', pass: 'tanstaaftanstaaf' };
        await assert.rejects(client.auth('LOGIN', credentials), isAuthError('AUTH'));
        await client.auth('CRAM-MD5', credentials);
        client.close();
      },
    );
  });
});

describe('XOAUTH2 and OAUTHBEARER', () => {
  test('sends XOAUTH2 in two steps even when the token would fit on the AUTH line', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(CAPA),
          'C: AUTH XOAUTH2',
          'S: + ',
          `C: ${xoauth2('alice@example.com', 'ya29.short')}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.auth('XOAUTH2', { user: 'alice@example.com', accessToken: 'ya29.short' });
        assert.equal(client.state, 'transaction');
        client.close();
      },
    );
  });

  test(
    'answers the XOAUTH2 JSON error continuation with an empty line; -ERR is a Pop3AuthError and the session stays usable',
    T,
    async () => {
      const error = b64(
        '{"status":"401","schemes":"bearer","scope":"https://outlook.office.com/POP.AccessAsUser.All"}',
      );
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(CAPA),
            'C: AUTH XOAUTH2',
            'S: + ',
            `C: ${xoauth2('alice', 'expired')}`,
            `S: + ${error}`,
            'C: ',
            'S: -ERR [AUTH] Authentication failed',
            'C: AUTH XOAUTH2',
            'S: + ',
            `C: ${xoauth2('alice', 'fresh')}`,
            'S: +OK Logged in',
            ...CAPA_AFTER_LOGIN,
          ]),
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(
            client.auth('XOAUTH2', { user: 'alice', accessToken: 'expired' }),
            isAuthError('AUTH'),
          );
          assert.equal(client.state, 'authorization');
          await client.auth('XOAUTH2', { user: 'alice', accessToken: 'fresh' });
          assert.equal(client.state, 'transaction');
          client.close();
        },
      );
    },
  );

  test(
    'answers the OAUTHBEARER error challenge with AQ== (RFC 7628 §3.2.3); -ERR is a Pop3AuthError',
    T,
    async () => {
      const error = b64(
        '{"status":"invalid_token","scope":"pop","openid-configuration":"https://example.com/.well-known/openid-configuration"}',
      );
      let line = '';
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(CAPA),
            `C: ${line}`,
            `S: + ${error}`,
            'C: AQ==',
            'S: -ERR [AUTH] Invalid token',
            'C: NOOP',
            'S: +OK',
          ]),
        async (peer) => {
          line = `AUTH OAUTHBEARER ${b64(oauthBearer('alice', peer.port, 'expired'))}`;
          const client = await connectTo(peer);
          await assert.rejects(
            client.auth('OAUTHBEARER', { user: 'alice', accessToken: 'expired' }),
            isAuthError('AUTH'),
          );
          assert.equal(client.state, 'authorization');
          await client.noop();
          client.close();
        },
      );
    },
  );
});

describe('a failing exchange is cancelled with "*" and bounded', () => {
  test(
    'a challenge that is not base64 is answered with "*"; after -ERR the call rejects with Pop3ProtocolError and the connection closes',
    T,
    async () => {
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(CAPA),
            'C: AUTH CRAM-MD5',
            'S: + not*base64!',
            'C: *',
            'S: -ERR [AUTH] Cancelled',
          ]),
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(client.auth('CRAM-MD5', { user: 'alice', pass: 'secret' }), isProtocolError);
          assert.equal(client.state, 'closed');
        },
      );
    },
  );

  test(
    'a server that answers "+OK" to the "*" still gets Pop3ProtocolError and a closed connection',
    T,
    async () => {
      await withPeer(
        (conn) => conn.run([...greeting(CAPA), 'C: AUTH CRAM-MD5', 'S: + ====', 'C: *', 'S: +OK Logged in']),
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(client.auth('CRAM-MD5', { user: 'alice', pass: 'secret' }), isProtocolError);
          assert.equal(client.state, 'closed');
        },
      );
    },
  );

  test(
    'LOGIN against endless prompts: user, password, "*", then Pop3ProtocolError and close',
    T,
    async () => {
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(CAPA),
            'C: AUTH LOGIN',
            `S: + ${b64('Username:')}`,
            `C: ${b64('alice')}`,
            `S: + ${b64('Password:')}`,
            `C: ${b64('secret')}`,
            `S: + ${b64('Password:')}`,
            'C: *',
            `S: + ${b64('Password:')}`,
          ]),
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(client.auth('LOGIN', { user: 'alice', pass: 'secret' }), isProtocolError);
          assert.equal(client.state, 'closed');
        },
      );
    },
  );

  // What each mechanism answers to a flood of "+ dGVzdA==" ("test": valid base64, but no
  // mechanism's next message) before it cancels; the "+" after the "*" ends the connection.
  const floodAnswers: Record<string, string[]> = {
    PLAIN: ['*'],
    LOGIN: [b64('alice'), b64('secret'), '*'],
    'CRAM-MD5': [b64(`alice ${createHmac('md5', 'secret').update('test').digest('hex')}`), '*'],
    'SCRAM-SHA-1': ['*'],
    'SCRAM-SHA-256': ['*'],
    XOAUTH2: [xoauth2('alice', 'token'), '', '*'],
    OAUTHBEARER: ['AQ==', '*'],
    EXTERNAL: ['*'],
  };
  for (const [mechanism, expected] of Object.entries(floodAnswers)) {
    test(
      `${mechanism}: 10,000 continuations in one write get ${expected.length} answer(s) ending in "*", then Pop3ProtocolError and close`,
      T,
      async () => {
        const answers: string[] = [];
        await withPeer(
          async (conn: PeerConnection) => {
            await conn.run(greeting(CAPA));
            const auth = await conn.read();
            assert.ok(auth.startsWith(`AUTH ${mechanism}`), auth);
            conn.send(...Array.from({ length: 10_000 }, () => `+ ${b64('test')}`));
            try {
              for (;;) answers.push(await conn.read());
            } catch (error) {
              // The client closing the connection is the bound; anything else is a failure.
              if (!/closed the connection/.test((error as Error).message)) throw error;
            }
          },
          async (peer) => {
            const client = await connectTo(peer);
            const credentials = { user: 'alice', pass: 'secret', accessToken: 'token' };
            await assert.rejects(client.auth(mechanism, credentials), isProtocolError);
            assert.equal(client.state, 'closed');
          },
        );
        assert.deepEqual(answers, expected);
      },
    );
  }
});

describe('SCRAM server signature (RFC 5802 §5)', () => {
  for (const mechanism of ['SCRAM-SHA-1', 'SCRAM-SHA-256'] as const) {
    test(`${mechanism}: logs in when the server proves it knows the password`, T, async () => {
      await withPeer(
        async (conn) => {
          await conn.run(greeting(CAPA));
          await serveScram(conn, { mechanism, user: 'alice', pass: 'pencil' });
          await conn.run(CAPA_AFTER_LOGIN);
        },
        async (peer) => {
          const client = await connectTo(peer);
          assert.equal(await client.auth(mechanism, { user: 'alice', pass: 'pencil' }), 'logged in');
          assert.equal(client.state, 'transaction');
          client.close();
        },
      );
    });
  }

  test(
    'a wrong server signature is answered with "*" and rejects with Pop3ProtocolError, closing the connection',
    T,
    async () => {
      await withPeer(
        async (conn) => {
          await conn.run(greeting(CAPA));
          await serveScram(conn, {
            mechanism: 'SCRAM-SHA-256',
            user: 'alice',
            pass: 'pencil',
            lie: 'wrong-signature',
          });
        },
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(
            client.auth('SCRAM-SHA-256', { user: 'alice', pass: 'pencil' }),
            (error: unknown) => isProtocolError(error) && /server signature/.test((error as Error).message),
          );
          assert.equal(client.state, 'closed');
        },
      );
    },
  );

  test(
    'a server that says +OK without sending server-final is not trusted: Pop3ProtocolError and close',
    T,
    async () => {
      await withPeer(
        async (conn) => {
          await conn.run(greeting(CAPA));
          await serveScram(conn, {
            mechanism: 'SCRAM-SHA-1',
            user: 'alice',
            pass: 'pencil',
            lie: 'skip-final',
          });
        },
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(
            client.auth('SCRAM-SHA-1', { user: 'alice', pass: 'pencil' }),
            isProtocolError,
          );
          assert.equal(client.state, 'closed');
        },
      );
    },
  );

  test(
    'a server-final e=invalid-proof is a refused login: Pop3AuthError, and after the -ERR the session stays usable',
    T,
    async () => {
      await withPeer(
        async (conn) => {
          await conn.run(greeting(CAPA));
          await serveScram(conn, {
            mechanism: 'SCRAM-SHA-256',
            user: 'alice',
            pass: 'pencil',
            lie: 'server-error',
            refusal: '-ERR [AUTH] Authentication failed',
          });
          await conn.run([
            `C: AUTH PLAIN ${plain('alice', 'pencil')}`,
            'S: +OK Logged in',
            ...CAPA_AFTER_LOGIN,
          ]);
        },
        async (peer) => {
          const client = await connectTo(peer);
          // The server ended the exchange with -ERR [AUTH]: that reply's code is what the caller sees.
          await assert.rejects(
            client.auth('SCRAM-SHA-256', { user: 'alice', pass: 'pencil' }),
            isAuthError('AUTH'),
          );
          // DESIGN.md: a -ERR leaves the connection usable, and Pop3AuthError is a -ERR.
          assert.equal(client.state, 'authorization');
          await client.auth('PLAIN', { user: 'alice', pass: 'pencil' });
          client.close();
        },
      );
    },
  );
});

describe('a mechanism the server does not advertise', () => {
  test(
    "is sent anyway; the server's -ERR becomes Pop3AuthError and the session stays usable",
    T,
    async () => {
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(['SASL PLAIN', 'USER']),
            'C: AUTH CRAM-MD5',
            'S: -ERR [AUTH] Unsupported authentication mechanism.',
            `C: AUTH PLAIN ${plain('alice', 'secret')}`,
            'S: +OK Logged in',
            ...CAPA_AFTER_LOGIN,
          ]),
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(
            client.auth('CRAM-MD5', { user: 'alice', pass: 'secret' }),
            isAuthError('AUTH'),
          );
          assert.equal(client.state, 'authorization');
          await client.auth('PLAIN', { user: 'alice', pass: 'secret' });
          client.close();
        },
      );
    },
  );

  test('a mechanism pop3kit does not implement is a TypeError before anything is written', T, async () => {
    await withPeer(
      (conn) => conn.run([...greeting(['SASL GSSAPI']), 'C: NOOP', 'S: +OK']),
      async (peer) => {
        const client = await connectTo(peer);
        await assert.rejects(client.auth('GSSAPI', { user: 'alice', pass: 'secret' }), TypeError);
        await client.noop();
        client.close();
      },
    );
  });
});
