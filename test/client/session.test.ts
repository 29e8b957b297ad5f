// The core session suite: every command of Pop3Client against exact transcripts, run over plain
// TCP, implicit TLS and STLS.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Pop3Client,
  Pop3ConnectionError,
  Pop3Error,
  Pop3ServerError,
  Pop3StateError,
  Pop3TimeoutError,
} from '../../src/index.js';
import { playScript, type ScriptedServer, type Step } from '../helpers/scripted-server.js';
import {
  APOP_GREETING,
  CAPS,
  capaSteps,
  connect,
  loginSteps,
  multiline,
  QUIT,
  TRANSPORTS,
} from './support.js';

const MESSAGE_1 =
  'From: bob@example.org\r\nSubject: hello\r\n\r\nHi Alice,\r\n.signature starts with a dot\r\n';
const MESSAGE_1_WIRE = MESSAGE_1.replace('\r\n.', '\r\n..');

for (const transport of TRANSPORTS) {
  describe(`Pop3Client session over ${transport.name}`, () => {
    /** Connects through the transport's opening, then plays `steps`. */
    const session = (
      steps: Step[],
      body: (client: Pop3Client, server: ScriptedServer) => Promise<void>,
      options: { caps?: string[]; greeting?: string; timeout?: number } = {},
    ) =>
      playScript(
        [...transport.open(options.caps, options.greeting), ...steps],
        transport.server,
        async (server) => {
          const client = await connect(server, {
            ...transport.client(),
            ...(options.timeout ? { timeout: options.timeout, connectTimeout: 5000 } : {}),
          });
          await body(client, server);
        },
      );
    /** A session already logged in with USER/PASS. */
    const transaction = (
      steps: Step[],
      body: (client: Pop3Client, server: ScriptedServer) => Promise<void>,
    ) =>
      session([...loginSteps(), ...steps], async (client, server) => {
        await client.user('alice');
        await client.pass('secret');
        await body(client, server);
      });

    it('reads the greeting text, the capabilities and whether TLS is on', async () => {
      await session(QUIT, async (client) => {
        assert.equal(client.welcome, 'POP3 server ready');
        assert.equal(client.secure, transport.secure);
        assert.equal(client.state, 'authorization');
        assert.deepEqual(client.capabilities.sasl, []);
        assert.equal(client.capabilities.top, true);
        assert.equal(client.capabilities.stls, false, 'capabilities are the ones read last');
        assert.equal(await client.quit(), 'bye');
      });
    });

    it('returns CAPA as upper-case names mapped to their arguments', async () => {
      const steps: Step[] = [
        { expect: 'CAPA\r\n' },
        {
          send: multiline(
            ['top', 'SASL PLAIN SCRAM-SHA-256', 'EXPIRE 31 USER'],
            '\r\n',
            '+OK Capability list follows',
          ),
        },
        ...QUIT,
      ];
      await session(steps, async (client) => {
        assert.deepEqual(await client.capa(), {
          TOP: [],
          SASL: ['PLAIN', 'SCRAM-SHA-256'],
          EXPIRE: ['31', 'USER'],
        });
        assert.deepEqual(client.capabilities.sasl, ['PLAIN', 'SCRAM-SHA-256']);
        assert.equal(client.capabilities.expire, 31);
        await client.quit();
      });
    });

    it('logs in with USER and PASS, enters TRANSACTION and reads CAPA again', async () => {
      const steps: Step[] = [
        { expect: 'USER alice\r\n' },
        { send: '+OK alice is welcome here\r\n' },
        { expect: 'PASS secret\r\n' },
        { send: '+OK maildrop has 2 messages\r\n' },
        { expect: 'CAPA\r\n' },
        { send: multiline(['TOP', 'UIDL', 'EXPIRE 30']) },
        ...QUIT,
      ];
      await session(steps, async (client) => {
        assert.equal(await client.user('alice'), 'alice is welcome here');
        assert.equal(client.state, 'authorization');
        assert.equal(await client.pass('secret'), 'maildrop has 2 messages');
        assert.equal(client.state, 'transaction');
        assert.equal(client.capabilities.expire, 30, 'the CAPA after login replaces the one before');
        assert.equal(client.capabilities.user, false);
        await client.quit();
      });
    });

    it('logs in with APOP using the digest of RFC 1939 §7', async () => {
      const steps: Step[] = [
        { expect: 'APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n' },
        { send: '+OK maildrop has 1 message (369 octets)\r\n' },
        ...capaSteps(CAPS),
        ...QUIT,
      ];
      await session(
        steps,
        async (client) => {
          assert.equal(client.welcome, 'POP3 server ready <1896.697170952@dbc.mtview.ca.us>');
          assert.equal(await client.apop('mrose', 'tanstaaf'), 'maildrop has 1 message (369 octets)');
          assert.equal(client.state, 'transaction');
          await client.quit();
        },
        { greeting: APOP_GREETING },
      );
    });

    it('sends RPOP with the user name', async () => {
      const steps: Step[] = [{ expect: 'RPOP alice\r\n' }, { send: '+OK rpop accepted\r\n' }, ...QUIT];
      await session(steps, async (client) => {
        assert.equal(await client.rpop('alice'), 'rpop accepted');
        await client.quit();
      });
    });

    it('returns STAT as message count and maildrop size', async () => {
      await transaction([{ expect: 'STAT\r\n' }, { send: '+OK 2 320\r\n' }, ...QUIT], async (client) => {
        assert.deepEqual(await client.stat(), { count: 2, size: 320 });
        await client.quit();
      });
    });

    it('returns LIST for every message and for one message', async () => {
      const steps: Step[] = [
        { expect: 'LIST\r\n' },
        { send: multiline(['1 120', '2 200'], '\r\n', '+OK 2 messages (320 octets)') },
        { expect: 'LIST 2\r\n' },
        { send: '+OK 2 200\r\n' },
        { expect: 'LIST\r\n' },
        { send: multiline([]) },
        ...QUIT,
      ];
      await transaction(steps, async (client) => {
        assert.deepEqual(await client.list(), [
          { msg: 1, size: 120 },
          { msg: 2, size: 200 },
        ]);
        assert.deepEqual(await client.list(2), { msg: 2, size: 200 });
        assert.deepEqual(await client.list(), [], 'an empty maildrop');
        await client.quit();
      });
    });

    it('returns UIDL for every message and for one message, UIDs as opaque text', async () => {
      const steps: Step[] = [
        { expect: 'UIDL\r\n' },
        { send: multiline(['1 whqtswO00WBw418f9t5JxYwZ', '2 QhdPYR:00WBw1Ph7x7']) },
        { expect: 'UIDL 2\r\n' },
        { send: '+OK 2 QhdPYR:00WBw1Ph7x7\r\n' },
        ...QUIT,
      ];
      await transaction(steps, async (client) => {
        assert.deepEqual(await client.uidl(), [
          { msg: 1, uid: 'whqtswO00WBw418f9t5JxYwZ' },
          { msg: 2, uid: 'QhdPYR:00WBw1Ph7x7' },
        ]);
        assert.deepEqual(await client.uidl(2), { msg: 2, uid: 'QhdPYR:00WBw1Ph7x7' });
        await client.quit();
      });
    });

    it('returns a RETR message with dot-stuffing undone and line endings as sent', async () => {
      const steps: Step[] = [
        { expect: 'RETR 1\r\n' },
        { send: `+OK 120 octets\r\n${MESSAGE_1_WIRE}.\r\n` },
        ...QUIT,
      ];
      await transaction(steps, async (client) => {
        const body = await client.retr(1);
        assert.ok(Buffer.isBuffer(body));
        assert.equal(body.toString('latin1'), MESSAGE_1);
        await client.quit();
      });
    });

    it('streams a RETR message with retrStream', async () => {
      const steps: Step[] = [
        { expect: 'RETR 1\r\n' },
        { send: `+OK 120 octets\r\n${MESSAGE_1_WIRE}.\r\n` },
        { expect: 'NOOP\r\n' },
        { send: '+OK\r\n' },
        ...QUIT,
      ];
      await transaction(steps, async (client) => {
        const stream = await client.retrStream(1);
        const parts: Buffer[] = [];
        for await (const part of stream) parts.push(part as Buffer);
        assert.equal(Buffer.concat(parts).toString('latin1'), MESSAGE_1);
        assert.equal(await client.noop(), '');
        await client.quit();
      });
    });

    it('returns TOP: the headers, the blank line and the first lines of the body', async () => {
      const steps: Step[] = [
        { expect: 'TOP 1 0\r\n' },
        { send: '+OK top of message follows\r\nFrom: bob@example.org\r\nSubject: hello\r\n\r\n.\r\n' },
        ...QUIT,
      ];
      await transaction(steps, async (client) => {
        assert.equal((await client.top(1, 0)).toString(), 'From: bob@example.org\r\nSubject: hello\r\n\r\n');
        await client.quit();
      });
    });

    it('sends DELE, RSET, NOOP and UTF8 and returns the server text', async () => {
      const steps: Step[] = [
        { expect: 'DELE 1\r\n' },
        { send: '+OK message 1 deleted\r\n' },
        { expect: 'RSET\r\n' },
        { send: '+OK maildrop has 2 messages (320 octets)\r\n' },
        { expect: 'NOOP\r\n' },
        { send: '+OK\r\n' },
        { expect: 'UTF8\r\n' },
        { send: '+OK UTF8 enabled\r\n' },
        ...QUIT,
      ];
      await transaction(steps, async (client) => {
        assert.equal(await client.dele(1), 'message 1 deleted');
        assert.equal(await client.rset(), 'maildrop has 2 messages (320 octets)');
        assert.equal(await client.noop(), '');
        assert.equal(await client.utf8(), 'UTF8 enabled');
        await client.quit();
      });
    });

    it('QUIT returns the server text and closes the client', async () => {
      const steps: Step[] = [
        { expect: 'QUIT\r\n' },
        { send: '+OK dewey POP3 server signing off\r\n' },
        { close: true },
      ];
      await session(steps, async (client, server) => {
        assert.equal(await client.quit(), 'dewey POP3 server signing off');
        assert.equal(client.state, 'closed');
        await server.ended;
        await assert.rejects(client.noop(), Pop3StateError);
      });
    });

    it('close() ends the connection without sending QUIT', async () => {
      await transaction([{ expect: 'DELE 1\r\n' }, { send: '+OK\r\n' }], async (client, server) => {
        await client.dele(1);
        client.close();
        assert.equal(client.state, 'closed');
        await server.ended;
        assert.equal(server.unexpected.length, 0, 'nothing, QUIT included, was written after close()');
      });
    });

    it('await using sends QUIT when the scope ends', async () => {
      const steps: Step[] = [...transport.open(), { expect: 'NOOP\r\n' }, { send: '+OK\r\n' }, ...QUIT];
      await playScript(steps, transport.server, async (server) => {
        let escaped: Pop3Client | undefined;
        {
          await using client = await connect(server, transport.client());
          await client.noop();
          escaped = client;
        }
        assert.equal(escaped.state, 'closed');
      });
    });

    it('keeps the connection usable after -ERR', async () => {
      const steps: Step[] = [
        { expect: 'RETR 9\r\n' },
        { send: '-ERR no such message\r\n' },
        { expect: 'NOOP\r\n' },
        { send: '+OK\r\n' },
        ...QUIT,
      ];
      await transaction(steps, async (client) => {
        const error = await client.retr(9).catch((e: unknown) => e);
        assert.ok(error instanceof Pop3ServerError);
        assert.equal(error.response, 'no such message');
        assert.equal(client.state, 'transaction');
        assert.equal(await client.noop(), '');
        await client.quit();
      });
    });

    it('writes commands issued together in one write when CAPA lists PIPELINING', async () => {
      const caps = [...CAPS, 'PIPELINING'];
      const steps: Step[] = [
        { expectChunk: 'STAT\r\nRETR 1\r\nRETR 2\r\n' },
        { send: '+OK 2 27\r\n+OK\r\nfirst\r\n.\r\n+OK\r\nsecond\r\n.\r\n' },
        ...QUIT,
      ];
      await session(
        steps,
        async (client) => {
          const [stat, one, two] = await Promise.all([client.stat(), client.retr(1), client.retr(2)]);
          assert.deepEqual(stat, { count: 2, size: 27 });
          assert.equal(one.toString(), 'first\r\n');
          assert.equal(two.toString(), 'second\r\n');
          await client.quit();
        },
        { caps },
      );
    });

    it('rejects every pending command with the same Pop3ConnectionError when the server closes mid-RETR', async () => {
      const steps: Step[] = [
        { expect: 'RETR 1\r\n' },
        { send: '+OK 120 octets\r\nFrom: bob@exa' },
        { close: true },
      ];
      await transaction(steps, async (client) => {
        const results = await Promise.allSettled([client.retr(1), client.noop(), client.stat()]);
        const errors = results.map((r) => (r.status === 'rejected' ? r.reason : r.value));
        assert.ok(errors[0] instanceof Pop3ConnectionError, `got ${String(errors[0])}`);
        assert.equal(errors[0].code, 'POP3_CONNECTION_ERROR');
        assert.ok(errors[0] instanceof Pop3Error);
        assert.equal(errors[1], errors[0], 'the queued NOOP fails with the same error');
        assert.equal(errors[2], errors[0], 'the queued STAT fails with the same error');
        assert.equal(client.state, 'closed');
      });
    });

    it('fails with Pop3TimeoutError when the server stalls, and closes', async () => {
      const steps: Step[] = [{ expect: 'STAT\r\n' }, { stall: true }];
      await session(
        steps,
        async (client, server) => {
          const error = await client.stat().catch((e: unknown) => e);
          assert.ok(error instanceof Pop3TimeoutError, `got ${String(error)}`);
          assert.equal(error.code, 'POP3_TIMEOUT');
          assert.equal(error.phase, 'idle');
          assert.equal(client.state, 'closed');
          await server.ended;
        },
        { timeout: 300 },
      );
    });
  });
}
