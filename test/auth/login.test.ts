// login() and connect({ auth }): which way in it picks from CAPA and the greeting, exact bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Pop3AuthError, Pop3SecurityError } from '../../src/errors.js';
import { b64, CAPA_AFTER_LOGIN, connectTo, greeting, withPeer } from './sasl-peer.js';
import { serveScram } from './scram-peer.js';

const T = { timeout: 20_000 };
/** RFC 1939 §7 example greeting and digest (mrose / tanstaaf). */
const APOP_GREETING = '+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>';
const APOP_LINE = 'APOP mrose c4c9334bac560ecc979e58001b3e22fb';
/** RFC 2195 §2 example (tim / tanstaaftanstaaf). */
const CRAM_CHALLENGE = 'PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+';
const CRAM_RESPONSE = 'dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw';

const plain = (user: string, pass: string) => b64(`\0${user}\0${pass}`);
const oauthBearer = (user: string, port: number, token: string) =>
  b64(`n,a=${user},\x01host=127.0.0.1\x01port=${port}\x01auth=Bearer ${token}\x01\x01`);
const xoauth2 = (user: string, token: string) => b64(`user=${user}\x01auth=Bearer ${token}\x01\x01`);

describe('login() picks the strongest way in the server offers', () => {
  test('SCRAM-SHA-256 over everything else a password can use', T, async () => {
    await withPeer(
      async (conn) => {
        await conn.run(
          greeting(['SASL LOGIN PLAIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256', 'USER'], APOP_GREETING),
        );
        await serveScram(conn, { mechanism: 'SCRAM-SHA-256', user: 'mrose', pass: 'tanstaaf' });
        await conn.run(CAPA_AFTER_LOGIN);
      },
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'mrose', pass: 'tanstaaf' });
        assert.equal(client.state, 'transaction');
        client.close();
      },
    );
  });

  test('SCRAM-SHA-1 when SCRAM-SHA-256 is not offered', T, async () => {
    await withPeer(
      async (conn) => {
        await conn.run(greeting(['SASL LOGIN PLAIN CRAM-MD5 SCRAM-SHA-1', 'USER'], APOP_GREETING));
        await serveScram(conn, { mechanism: 'SCRAM-SHA-1', user: 'mrose', pass: 'tanstaaf' });
        await conn.run(CAPA_AFTER_LOGIN);
      },
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'mrose', pass: 'tanstaaf' });
        client.close();
      },
    );
  });

  test('CRAM-MD5 over APOP, PLAIN, LOGIN and USER', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL LOGIN PLAIN CRAM-MD5', 'USER'], '+OK ready <1.2@example.org>'),
          'C: AUTH CRAM-MD5',
          `S: + ${CRAM_CHALLENGE}`,
          `C: ${CRAM_RESPONSE}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'tim', pass: 'tanstaaftanstaaf' });
        client.close();
      },
    );
  });

  test('APOP, with the greeting timestamp, over PLAIN, LOGIN and USER', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL LOGIN PLAIN', 'USER'], APOP_GREETING),
          `C: ${APOP_LINE}`,
          'S: +OK maildrop has 1 message (369 octets)',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        assert.equal(
          await client.login({ user: 'mrose', pass: 'tanstaaf' }),
          'maildrop has 1 message (369 octets)',
        );
        assert.equal(client.state, 'transaction');
        client.close();
      },
    );
  });

  test('not APOP when the greeting\'s "<...>" is not a valid msg-id: PLAIN instead', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL LOGIN PLAIN', 'USER'], '+OK ready <no-at-sign>'),
          `C: AUTH PLAIN ${plain('mrose', 'tanstaaf')}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'mrose', pass: 'tanstaaf' });
        client.close();
      },
    );
  });

  test('PLAIN over LOGIN and USER when the greeting has no timestamp', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL LOGIN PLAIN', 'USER']),
          `C: AUTH PLAIN ${plain('alice', 'secret')}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'alice', pass: 'secret' });
        client.close();
      },
    );
  });

  test('LOGIN over USER', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL LOGIN', 'USER']),
          'C: AUTH LOGIN',
          `S: + ${b64('Username:')}`,
          `C: ${b64('alice')}`,
          `S: + ${b64('Password:')}`,
          `C: ${b64('secret')}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'alice', pass: 'secret' });
        client.close();
      },
    );
  });

  test('USER/PASS when no SASL mechanism is offered', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['USER', 'TOP']),
          'C: USER alice',
          'S: +OK',
          'C: PASS secret',
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        assert.equal(await client.login({ user: 'alice', pass: 'secret' }), 'Logged in');
        assert.equal(client.state, 'transaction');
        client.close();
      },
    );
  });

  test('USER/PASS on a server that answers CAPA with -ERR (RFC 1939 only)', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          'S: +OK POP3 ready',
          'C: CAPA',
          'S: -ERR unknown command',
          'C: USER alice',
          'S: +OK',
          'C: PASS secret',
          'S: +OK Logged in',
          'C: CAPA',
          'S: -ERR unknown command',
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'alice', pass: 'secret' });
        client.close();
      },
    );
  });

  test('with an access token, OAUTHBEARER over XOAUTH2 and over every password mechanism', T, async () => {
    let line = '';
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL SCRAM-SHA-256 PLAIN XOAUTH2 OAUTHBEARER', 'USER']),
          `C: ${line}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        line = `AUTH OAUTHBEARER ${oauthBearer('alice', peer.port, 'ya29.token')}`;
        const client = await connectTo(peer);
        await client.login({ user: 'alice', pass: 'secret', accessToken: 'ya29.token' });
        client.close();
      },
    );
  });

  test('with an access token, XOAUTH2 (two steps) when OAUTHBEARER is not offered', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL PLAIN XOAUTH2', 'USER']),
          'C: AUTH XOAUTH2',
          'S: + ',
          `C: ${xoauth2('alice', 'ya29.token')}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'alice', accessToken: 'ya29.token' });
        client.close();
      },
    );
  });

  test('with a token and a password, the password when the server offers no OAuth mechanism', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL PLAIN', 'USER']),
          `C: AUTH PLAIN ${plain('alice', 'secret')}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'alice', pass: 'secret', accessToken: 'ya29.token' });
        client.close();
      },
    );
  });

  test(
    'with only a token and no OAuth mechanism offered, a TypeError before anything is written',
    T,
    async () => {
      await withPeer(
        (conn) => conn.run([...greeting(['SASL PLAIN', 'USER']), 'C: NOOP', 'S: +OK']),
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(client.login({ user: 'alice', accessToken: 'ya29.token' }), TypeError);
          await client.noop();
          client.close();
        },
      );
    },
  );
});

describe('credentials.mechanism forces the way in', () => {
  test('PLAIN although SCRAM-SHA-256 is offered', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL SCRAM-SHA-256 PLAIN', 'USER'], APOP_GREETING),
          `C: AUTH PLAIN ${plain('alice', 'secret')}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'alice', pass: 'secret', mechanism: 'PLAIN' });
        client.close();
      },
    );
  });

  test('USER/PASS although SASL is offered', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL SCRAM-SHA-256 PLAIN', 'USER']),
          'C: USER alice',
          'S: +OK',
          'C: PASS secret',
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'alice', pass: 'secret', mechanism: 'USER' });
        client.close();
      },
    );
  });

  test('APOP, spelled in lower case, although SCRAM-SHA-256 is offered', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL SCRAM-SHA-256', 'USER'], APOP_GREETING),
          `C: ${APOP_LINE}`,
          'S: +OK Logged in',
          ...CAPA_AFTER_LOGIN,
        ]),
      async (peer) => {
        const client = await connectTo(peer);
        await client.login({ user: 'mrose', pass: 'tanstaaf', mechanism: 'apop' });
        client.close();
      },
    );
  });

  test(
    'APOP with no valid greeting timestamp is refused with Pop3SecurityError before anything is written',
    T,
    async () => {
      await withPeer(
        (conn) => conn.run([...greeting(['USER']), 'C: NOOP', 'S: +OK']),
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(
            client.login({ user: 'mrose', pass: 'tanstaaf', mechanism: 'APOP' }),
            Pop3SecurityError,
          );
          await client.noop();
          client.close();
        },
      );
    },
  );

  test(
    'LOGIN although the server advertises only PLAIN: sent as asked, the -ERR is a Pop3AuthError',
    T,
    async () => {
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(['SASL PLAIN']),
            'C: AUTH LOGIN',
            'S: -ERR [AUTH] Unsupported authentication mechanism.',
          ]),
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(
            client.login({ user: 'alice', pass: 'secret', mechanism: 'LOGIN' }),
            Pop3AuthError,
          );
          assert.equal(client.state, 'authorization');
          client.close();
        },
      );
    },
  );
});

describe('accessToken as a refresh hook', () => {
  test(
    'is called at auth time, once per login, and its fresh token is what goes on the wire',
    T,
    async () => {
      let calls = 0;
      await withPeer(
        (conn) =>
          conn.run([
            ...greeting(['SASL XOAUTH2']),
            'C: AUTH XOAUTH2',
            'S: + ',
            `C: ${xoauth2('alice', 'token-1')}`,
            `S: + ${b64('{"status":"401"}')}`,
            'C: ',
            'S: -ERR [AUTH] Authentication failed',
            'C: AUTH XOAUTH2',
            'S: + ',
            `C: ${xoauth2('alice', 'token-2')}`,
            'S: +OK Logged in',
            ...CAPA_AFTER_LOGIN,
          ]),
        async (peer) => {
          const credentials = {
            user: 'alice',
            accessToken: async () => {
              calls += 1;
              return `token-${calls}`;
            },
          };
          const client = await connectTo(peer);
          assert.equal(calls, 0, 'the hook is not called before a login needs it');
          await assert.rejects(client.login(credentials), Pop3AuthError);
          assert.equal(calls, 1);
          await client.login(credentials);
          assert.equal(calls, 2);
          client.close();
        },
      );
    },
  );

  test('a synchronous hook works through connect({ auth })', T, async () => {
    let calls = 0;
    let line = '';
    await withPeer(
      (conn) =>
        conn.run([...greeting(['SASL OAUTHBEARER']), `C: ${line}`, 'S: +OK Logged in', ...CAPA_AFTER_LOGIN]),
      async (peer) => {
        line = `AUTH OAUTHBEARER ${oauthBearer('alice', peer.port, 'sync-token')}`;
        const accessToken = () => {
          calls += 1;
          return 'sync-token';
        };
        const client = await connectTo(peer, { auth: { user: 'alice', accessToken } });
        assert.equal(calls, 1);
        assert.equal(client.state, 'transaction');
        client.close();
      },
    );
  });

  test(
    'a hook that throws rejects the login with its error; nothing is written and the session stays usable',
    T,
    async () => {
      const failure = new Error('token endpoint unreachable');
      await withPeer(
        (conn) => conn.run([...greeting(['SASL XOAUTH2']), 'C: NOOP', 'S: +OK']),
        async (peer) => {
          const client = await connectTo(peer);
          await assert.rejects(
            client.login({
              user: 'alice',
              accessToken: async () => {
                throw failure;
              },
            }),
            (error) => error === failure,
          );
          assert.equal(client.state, 'authorization');
          await client.noop();
          client.close();
        },
      );
    },
  );
});

describe('connect({ auth })', () => {
  test('logs in during connect with the chosen method and reads CAPA again', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL PLAIN', 'USER']),
          `C: AUTH PLAIN ${plain('alice', 'secret')}`,
          'S: +OK Logged in',
          'C: CAPA',
          'S: +OK',
          'S: TOP',
          'S: UIDL',
          'S: .',
        ]),
      async (peer) => {
        const client = await connectTo(peer, { auth: { user: 'alice', pass: 'secret' } });
        assert.equal(client.state, 'transaction');
        assert.deepEqual(client.capabilities.sasl, []);
        assert.equal(client.capabilities.uidl, true);
        client.close();
      },
    );
  });

  test('a refused login rejects connect with Pop3AuthError and closes the connection', T, async () => {
    await withPeer(
      (conn) =>
        conn.run([
          ...greeting(['SASL PLAIN', 'USER']),
          `C: AUTH PLAIN ${plain('alice', 'wrong')}`,
          'S: -ERR [AUTH] Authentication failed.',
        ]),
      async (peer) => {
        await assert.rejects(connectTo(peer, { auth: { user: 'alice', pass: 'wrong' } }), (error) => {
          assert.ok(error instanceof Pop3AuthError);
          assert.equal(error.responseCode, 'AUTH');
          return true;
        });
      },
    );
  });
});
