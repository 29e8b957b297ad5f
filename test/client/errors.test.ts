// Every error class the client throws, with its stable `.code`, provoked on purpose by the
// scripted server: -ERR with RESP-CODEs, malformed and oversized data, a lost connection,
// stalls, refused certificates, refused unsafe requests and API misuse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import {
  Pop3AuthError,
  Pop3Client,
  Pop3ConnectionError,
  Pop3Error,
  Pop3ProtocolError,
  Pop3SecurityError,
  Pop3ServerError,
  Pop3StateError,
  Pop3TimeoutError,
  Pop3TlsError,
} from '../../src/index.js';
import { getTestCerts } from '../helpers/certs.js';
import { playScript, ScriptedServer, type Step } from '../helpers/scripted-server.js';
import {
  APOP_GREETING,
  CAPS,
  capaSteps,
  clientTls,
  connect,
  GREETING,
  multiline,
  opening,
  QUIT,
} from './support.js';

/** A plain TCP session on loopback after the opening; `body` gets the connected client. */
function session(
  steps: Step[],
  body: (client: Pop3Client, server: ScriptedServer) => Promise<void>,
  greeting = GREETING,
) {
  return playScript([...opening(CAPS, greeting), ...steps], {}, async (server) => {
    await body(await connect(server), server);
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

describe('Pop3ServerError', () => {
  it('carries the server text, the RESP-CODE and the verb, and leaves the connection usable', async () => {
    const steps: Step[] = [
      { expect: 'RETR 1\r\n' },
      { send: '-ERR [SYS/TEMP] try again later\r\n' },
      { expect: 'NOOP\r\n' },
      { send: '+OK\r\n' },
      ...QUIT,
    ];
    await session(steps, async (client) => {
      const error = await rejection(client.retr(1));
      assert.ok(error instanceof Pop3ServerError);
      assert.ok(error instanceof Pop3Error);
      assert.ok(!(error instanceof Pop3AuthError));
      assert.equal(error.code, 'POP3_SERVER_ERROR');
      assert.equal(error.response, '[SYS/TEMP] try again later');
      assert.equal(error.responseCode, 'SYS/TEMP');
      assert.equal(error.command, 'RETR');
      assert.equal(error.name, 'Pop3ServerError');
      assert.equal(await client.noop(), '', 'a -ERR leaves the connection usable');
      await client.quit();
    });
  });

  it('has no responseCode when the -ERR text has none', async () => {
    await session(
      [{ expect: 'DELE 3\r\n' }, { send: '-ERR message 3 already deleted\r\n' }, ...QUIT],
      async (client) => {
        const error = await rejection(client.dele(3));
        assert.ok(error instanceof Pop3ServerError);
        assert.equal(error.responseCode, undefined);
        assert.equal(error.response, 'message 3 already deleted');
        assert.equal(error.command, 'DELE');
        await client.quit();
      },
    );
  });

  it('rejects connect when the greeting is -ERR', async () => {
    await playScript([{ send: '-ERR [SYS/PERM] service unavailable\r\n' }], {}, async (server) => {
      const error = await rejection(connect(server));
      assert.ok(error instanceof Pop3ServerError, `got ${String(error)}`);
      assert.equal(error.responseCode, 'SYS/PERM');
      await server.ended;
    });
  });
});

describe('Pop3AuthError', () => {
  const refusals: Array<[string, string]> = [
    ['[AUTH] invalid user name or password', 'AUTH'],
    ['[IN-USE] maildrop already locked', 'IN-USE'],
    ['[SYS/TEMP] authentication backend down', 'SYS/TEMP'],
    ['[LOGIN-DELAY] wait 300 seconds between logins', 'LOGIN-DELAY'],
  ];
  for (const [text, code] of refusals) {
    it(`reports a PASS refused with -ERR [${code}] as Pop3AuthError with responseCode ${code}`, async () => {
      const steps: Step[] = [
        { expect: 'USER alice\r\n' },
        { send: '+OK\r\n' },
        { expect: 'PASS secret\r\n' },
        { send: `-ERR ${text}\r\n` },
        ...QUIT,
      ];
      await session(steps, async (client) => {
        await client.user('alice');
        const error = await rejection(client.pass('secret'));
        assert.ok(error instanceof Pop3AuthError);
        assert.ok(error instanceof Pop3ServerError, 'Pop3AuthError extends Pop3ServerError');
        assert.equal(error.code, 'POP3_AUTH_ERROR');
        assert.equal(error.responseCode, code);
        assert.equal(error.response, text);
        assert.equal(error.command, 'PASS');
        assert.equal(client.state, 'authorization');
        await client.quit();
      });
    });
  }

  it('never shows the password of a refused PASS, in the error or in the debug log', async () => {
    const password = 'Tr0ub4dor&3-secret';
    const lines: string[] = [];
    const logger = {
      debug: (object: Record<string, unknown>, message?: string) =>
        lines.push(JSON.stringify(object), message ?? ''),
    };
    const steps: Step[] = [
      ...opening(),
      { expect: 'USER alice\r\n' },
      { send: '+OK\r\n' },
      { expect: `PASS ${password}\r\n` },
      { send: '-ERR [AUTH] authentication failed\r\n' },
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { debugLevel: 2, logger });
      await client.user('alice');
      const error = await rejection(client.pass(password));
      assert.ok(error instanceof Pop3AuthError);
      const shown = [
        error.message,
        error.stack ?? '',
        inspect(error),
        JSON.stringify(error),
        String(error.cause),
      ];
      for (const text of shown) assert.ok(!text.includes(password), `password leaked: ${text}`);
      assert.equal(error.command, 'PASS');
      await client.quit();
    });
    assert.ok(lines.length > 0, 'the debug log was written');
    assert.ok(lines.includes('pop3 C: PASS ****'));
    for (const line of lines) assert.ok(!line.includes(password), `password leaked to the log: ${line}`);
  });

  it('reports a refused APOP and a refused AUTH as Pop3AuthError', async () => {
    const steps: Step[] = [
      { expect: 'APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n' },
      { send: '-ERR [AUTH] permission denied\r\n' },
      { expect: 'AUTH PLAIN AG1yb3NlAHRhbnN0YWFm\r\n' },
      { send: '-ERR [AUTH] invalid credentials\r\n' },
      ...QUIT,
    ];
    await session(
      steps,
      async (client) => {
        const apop = await rejection(client.apop('mrose', 'tanstaaf'));
        assert.ok(apop instanceof Pop3AuthError);
        assert.equal(apop.command, 'APOP');
        assert.equal(apop.responseCode, 'AUTH');
        const auth = await rejection(client.auth('PLAIN', { user: 'mrose', pass: 'tanstaaf' }));
        assert.ok(auth instanceof Pop3AuthError);
        assert.equal(auth.command, 'AUTH');
        assert.equal(auth.responseCode, 'AUTH');
        assert.ok(!auth.message.includes('AG1yb3NlAHRhbnN0YWFm'), 'the SASL response is not in the error');
        await client.quit();
      },
      APOP_GREETING,
    );
  });
});

describe('Pop3ProtocolError', () => {
  async function expectProtocolError(
    steps: Step[],
    run: (client: Pop3Client) => Promise<unknown>,
  ): Promise<Error> {
    let caught: unknown;
    await session(steps, async (client, server) => {
      caught = await rejection(run(client));
      assert.ok(caught instanceof Pop3ProtocolError, `got ${String(caught)}`);
      assert.equal(caught.code, 'POP3_PROTOCOL_ERROR');
      assert.equal(client.state, 'closed', 'a protocol error closes the connection');
      await server.ended;
      await assert.rejects(client.noop());
    });
    return caught as Error;
  }

  it('is thrown for a malformed status line', async () => {
    const error = await expectProtocolError([{ expect: 'NOOP\r\n' }, { send: 'OK fine\r\n' }], (c) =>
      c.noop(),
    );
    assert.match(error.message, /malformed status line/);
  });

  it('is thrown for a malformed greeting, and connect fails', async () => {
    await playScript([{ send: 'HELLO there\r\n' }], {}, async (server) => {
      const error = await rejection(connect(server));
      assert.ok(error instanceof Pop3ProtocolError, `got ${String(error)}`);
      await server.ended;
    });
  });

  it('is thrown for a status line longer than the 8 KiB cap', async () => {
    await expectProtocolError([{ expect: 'NOOP\r\n' }, { send: `+OK ${'x'.repeat(9000)}\r\n` }], (c) =>
      c.noop(),
    );
  });

  it('is thrown for an endless line, without waiting for its end', async () => {
    // 64 KiB in 8 KiB writes and no LF: the client must give up at the cap, not buffer forever.
    const chunk = 'y'.repeat(8192);
    const endless: Step[] = [{ expect: 'NOOP\r\n' }, { send: '+OK ' }];
    for (let i = 0; i < 8; i++) endless.push({ send: chunk });
    endless.push({ stall: true });
    await expectProtocolError(endless, (c) => c.noop());
  });

  it('is thrown for a LIST line longer than the 8 KiB cap', async () => {
    const long = `1${' '.repeat(9000)}120`;
    await expectProtocolError([{ expect: 'LIST\r\n' }, { send: multiline([long]) }, { stall: true }], (c) =>
      c.list(),
    );
  });

  it('is thrown for a CAPA line longer than the 8 KiB cap', async () => {
    const steps: Step[] = [
      { expect: 'CAPA\r\n' },
      { send: multiline(['TOP', `X-LONG ${'a'.repeat(9000)}`]) },
      { stall: true },
    ];
    await expectProtocolError(steps, (c) => c.capa());
  });

  it('is thrown for an endless line inside a UIDL listing, at the cap', async () => {
    // 1 MiB without LF, then silence: the client must stop at the 8 KiB line cap, not buffer
    // the listing until its 64 MiB limit (a timeout here means it kept buffering).
    const steps: Step[] = [{ expect: 'UIDL\r\n' }, { send: '+OK\r\n1 ' }];
    for (let i = 0; i < 16; i++) steps.push({ send: 'u'.repeat(64 * 1024) });
    steps.push({ stall: true });
    await playScript([...opening(), ...steps], {}, async (server) => {
      const client = await connect(server, { timeout: 500 });
      const error = await rejection(client.uidl());
      assert.ok(error instanceof Pop3ProtocolError, `got ${String(error)}`);
      assert.equal(client.state, 'closed');
      await server.ended;
    });
  });

  it('is thrown for a LIST line whose size is not a number, and closes the connection', async () => {
    const steps: Step[] = [{ expect: 'LIST\r\n' }, { send: multiline(['1 120', '2 12x']) }, { stall: true }];
    await expectProtocolError(steps, (c) => c.list());
  });

  it('is thrown for a LIST n reply whose number is not a number, and closes the connection', async () => {
    await expectProtocolError([{ expect: 'LIST 1\r\n' }, { send: '+OK one 120\r\n' }, { stall: true }], (c) =>
      c.list(1),
    );
  });

  it('is thrown for a "+" continuation in reply to a command that is not AUTH', async () => {
    await expectProtocolError([{ expect: 'STAT\r\n' }, { send: '+ \r\n' }], (c) => c.stat());
  });

  it('is thrown for data the server sends when no command is pending', async () => {
    const steps: Step[] = [{ send: '+OK unsolicited\r\n' }, { stall: true }];
    await playScript([...opening(), ...steps], {}, async (server) => {
      const client = await connect(server);
      await server.ended;
      assert.equal(client.state, 'closed');
      const error = await rejection(client.noop());
      assert.ok(error instanceof Pop3ProtocolError, `got ${String(error)}`);
    });
  });
});

describe('Pop3ConnectionError', () => {
  it('is thrown when the connection is refused', async () => {
    const server = await ScriptedServer.start([]);
    const port = server.port;
    await server.close();
    const error = await rejection(Pop3Client.connect({ host: '127.0.0.1', port, timeout: 3000 }));
    assert.ok(error instanceof Pop3ConnectionError, `got ${String(error)}`);
    assert.equal(error.code, 'POP3_CONNECTION_ERROR');
  });

  it('is thrown when the server closes before the greeting', async () => {
    await playScript([{ close: true }], {}, async (server) => {
      const error = await rejection(connect(server));
      assert.ok(error instanceof Pop3ConnectionError, `got ${String(error)}`);
    });
  });

  it('is thrown when the server closes between commands, and later commands get it too', async () => {
    await session([{ expect: 'NOOP\r\n' }, { send: '+OK\r\n' }, { close: true }], async (client, server) => {
      await client.noop();
      await server.ended;
      const error = await rejection(client.stat());
      assert.ok(error instanceof Pop3ConnectionError, `got ${String(error)}`);
      assert.equal(client.state, 'closed');
    });
  });

  it('rejects a written command when an AbortSignal aborts, and closes', async () => {
    const controller = new AbortController();
    await playScript([...opening(), { expect: 'STAT\r\n' }, { stall: true }], {}, async (server) => {
      const client = await connect(server, { signal: controller.signal });
      const pending = client.stat();
      await server.untilReceived('STAT\r\n');
      controller.abort();
      const error = await rejection(pending);
      assert.ok(error instanceof Pop3ConnectionError, `got ${String(error)}`);
      assert.equal(client.state, 'closed');
      await server.ended;
    });
  });

  it('rejects a command aborted before it was written, and writes nothing', async () => {
    const controller = new AbortController();
    await playScript(opening(), {}, async (server) => {
      const client = await connect(server, { signal: controller.signal });
      const pending = client.stat();
      controller.abort();
      await assert.rejects(pending, Pop3ConnectionError);
      await server.ended;
      assert.equal(server.unexpected.length, 0, 'STAT never reached the wire');
    });
  });
});

describe('Pop3TimeoutError', () => {
  it('is thrown when the server never sends its greeting', async () => {
    await playScript([{ stall: true }], {}, async (server) => {
      const error = await rejection(connect(server, { timeout: 200 }));
      assert.ok(error instanceof Pop3TimeoutError, `got ${String(error)}`);
      assert.equal(error.code, 'POP3_TIMEOUT');
      assert.equal(error.phase, 'greeting');
      await server.ended;
    });
  });

  it('is thrown when the server stalls in the middle of a body', async () => {
    const steps: Step[] = [
      ...opening(),
      { expect: 'RETR 1\r\n' },
      { send: '+OK\r\nSubject: x\r\n' },
      { stall: true },
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { timeout: 200 });
      const error = await rejection(client.retr(1));
      assert.ok(error instanceof Pop3TimeoutError, `got ${String(error)}`);
      assert.equal(error.phase, 'idle');
      assert.equal(client.state, 'closed');
    });
  });

  it('is thrown when the server answers STLS but never starts the handshake', async () => {
    const steps: Step[] = [
      ...opening([...CAPS, 'STLS']),
      { expect: 'STLS\r\n' },
      { send: '+OK\r\n' },
      { stall: true },
    ];
    // Not playScript: the client's TLS hello reaches a server that, on purpose, never reads it.
    const server = await ScriptedServer.start(steps);
    try {
      const error = await rejection(connect(server, { tls: clientTls(), connectTimeout: 200 }));
      assert.ok(error instanceof Pop3TimeoutError, `got ${String(error)}`);
      assert.equal(error.phase, 'tls');
      await server.ended;
    } finally {
      await server.close();
    }
  });

  it('is not thrown while the client is idle with nothing pending', async () => {
    const steps: Step[] = [...opening(), { expect: 'NOOP\r\n' }, { send: '+OK still here\r\n' }, ...QUIT];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { timeout: 250 });
      await new Promise((resolve) => setTimeout(resolve, 800));
      assert.equal(await client.noop(), 'still here');
      await client.quit();
    });
  });
});

describe('Pop3TlsError', () => {
  const cases = [
    ['an untrusted certificate', () => getTestCerts().untrusted],
    ['a certificate for another host name', () => getTestCerts().wrongHost],
  ] as const;
  for (const [what, cert] of cases) {
    it(`is thrown for ${what} with implicit TLS`, async () => {
      await playScript([{ send: GREETING }], { secure: true, cert: cert() }, async (server) => {
        const error = await rejection(connect(server, { secure: true, tls: clientTls() }));
        assert.ok(error instanceof Pop3TlsError, `got ${String(error)}`);
        assert.equal(error.code, 'POP3_TLS_ERROR');
      });
    });

    it(`is thrown for ${what} after STLS, and nothing more is sent`, async () => {
      const steps: Step[] = [
        ...opening([...CAPS, 'STLS']),
        { expect: 'STLS\r\n' },
        { send: '+OK Begin TLS\r\n' },
        { startTls: true },
      ];
      await playScript(steps, { cert: cert() }, async (server) => {
        const error = await rejection(connect(server, { tls: clientTls() }));
        assert.ok(error instanceof Pop3TlsError, `got ${String(error)}`);
        await server.ended;
      });
    });
  }

  it('accepts the wrong-host certificate when servername names its host', async () => {
    const { wrongHost } = getTestCerts();
    await playScript(
      [{ send: GREETING }, ...capaSteps(CAPS), ...QUIT],
      { secure: true, cert: wrongHost },
      async (server) => {
        const client = await connect(server, {
          secure: true,
          tls: { ...clientTls(), servername: 'wrong.example' },
        });
        assert.equal(client.secure, true);
        await client.quit();
      },
    );
  });
});

describe('Pop3SecurityError', () => {
  const injections = ['alice\r\nDELE 1', 'alice\nDELE 1', 'alice\rx', 'alice\0x'];
  for (const bad of injections) {
    it(`refuses ${JSON.stringify(bad)} as an argument before writing anything`, async () => {
      await session(
        [{ expect: 'NOOP\r\n' }, { send: '+OK\r\n' }, ...QUIT],
        async (client) => {
          for (const attempt of [
            () => client.user(bad),
            () => client.pass(bad),
            () => client.rpop(bad),
            () => client.apop(bad, 'secret'),
          ]) {
            const error = await rejection(attempt());
            assert.ok(error instanceof Pop3SecurityError, `got ${String(error)}`);
            assert.equal(error.code, 'POP3_SECURITY_ERROR');
            assert.ok(!error.message.includes(bad), 'the refused argument is not echoed');
          }
          // The script expects NOOP next: any byte of the refused commands would fail it.
          assert.equal(await client.noop(), '', 'a refusal before writing leaves the connection usable');
          await client.quit();
        },
        APOP_GREETING,
      );
    });
  }

  it('refuses APOP when the greeting has no timestamp', async () => {
    await session([...QUIT], async (client) => {
      const error = await rejection(client.apop('mrose', 'tanstaaf'));
      assert.ok(error instanceof Pop3SecurityError, `got ${String(error)}`);
      await client.quit();
    });
  });

  it('refuses APOP when the greeting timestamp is not a valid msg-id', async () => {
    await session(
      [...QUIT],
      async (client) => {
        assert.equal(client.welcome, 'POP3 server ready <no-at-sign.here>');
        const error = await rejection(client.apop('mrose', 'tanstaaf'));
        assert.ok(error instanceof Pop3SecurityError, `got ${String(error)}`);
        await client.quit();
      },
      '+OK POP3 server ready <no-at-sign.here>\r\n',
    );
  });

  it("refuses a server without STLS when starttls is 'required', naming the way out", async () => {
    await playScript(opening(), {}, async (server) => {
      const error = await rejection(connect(server, { starttls: 'required' }));
      assert.ok(error instanceof Pop3SecurityError, `got ${String(error)}`);
      assert.match(error.message, /starttls: 'never'/);
      await server.ended;
    });
  });
});

describe('argument checks', () => {
  it('refuses a command over the 255 octets of RFC 2449 before writing it', async () => {
    await session([{ expect: 'NOOP\r\n' }, { send: '+OK\r\n' }, ...QUIT], async (client) => {
      await assert.rejects(client.user('a'.repeat(300)), RangeError);
      await assert.rejects(client.dele(0), TypeError);
      await assert.rejects(client.retr(1.5), TypeError);
      await assert.rejects(client.top(1, -1), TypeError);
      assert.equal(await client.noop(), '', 'nothing was written and the connection is usable');
      await client.quit();
    });
  });
});

describe('Pop3StateError', () => {
  it('is thrown for STLS a second time, with nothing written', async () => {
    const steps: Step[] = [
      ...opening([...CAPS, 'STLS']),
      { expect: 'STLS\r\n' },
      { send: '+OK Begin TLS\r\n' },
      { startTls: true },
      ...capaSteps(CAPS),
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { tls: clientTls() });
      assert.equal(client.secure, true);
      const error = await rejection(client.stls());
      assert.ok(error instanceof Pop3StateError, `got ${String(error)}`);
      assert.equal(error.code, 'POP3_STATE_ERROR');
      await client.quit();
    });
  });

  it('is thrown for STLS on an implicit TLS connection', async () => {
    await playScript([...opening(), ...QUIT], { secure: true }, async (server) => {
      const client = await connect(server, { secure: true, tls: clientTls() });
      await assert.rejects(client.stls(), Pop3StateError);
      await client.quit();
    });
  });

  it('is thrown for STLS after login', async () => {
    const steps: Step[] = [
      ...opening(),
      { expect: 'USER alice\r\n' },
      { send: '+OK\r\n' },
      { expect: 'PASS secret\r\n' },
      { send: '+OK\r\n' },
      ...capaSteps(CAPS),
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server);
      await client.user('alice');
      await client.pass('secret');
      await assert.rejects(client.stls(), Pop3StateError);
      await client.quit();
    });
  });

  it('is thrown for a command after close(), and for commands pending at close()', async () => {
    await session([{ expect: 'STAT\r\n' }, { stall: true }], async (client, server) => {
      const pending = client.stat();
      await server.untilReceived('STAT\r\n');
      client.close();
      await assert.rejects(pending, Pop3StateError);
      for (const late of [
        () => client.noop(),
        () => client.retr(1),
        () => client.user('alice'),
        () => client.quit(),
      ]) {
        const error = await rejection(late());
        assert.ok(error instanceof Pop3StateError, `got ${String(error)}`);
      }
    });
  });

  it('is thrown for a command after quit()', async () => {
    await session(QUIT, async (client) => {
      await client.quit();
      await assert.rejects(client.list(), Pop3StateError);
    });
  });
});
