// The pop3kit client against a real Dovecot: logins, every read-only command, the bulk
// helpers, pipelining and the errors a real server sends. Deleting commands are in
// client-dovecot-update.test.ts, TLS in client-dovecot-tls.test.ts, bodies byte for byte in
// client-dovecot-bodies.test.ts. Every message here uses CRLF, so RETR returns the file as is.
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import {
  type ConnectOptions,
  Pop3AuthError,
  Pop3Client,
  Pop3ServerError,
  Pop3StateError,
} from '../../src/index.js';
import { type DovecotInstance, dovecotSkipReason, startDovecot } from '../helpers/dovecot.js';

const ALICE = { user: 'alice', pass: 'alice-pass' };
const BOB = { user: 'bob', pass: 'bob-pass' };

const HEADERS_1 = 'From: carol@example.org\r\nTo: alice@example.org\r\nSubject: first\r\n';
const BIG_LINES = 20_000;
/** alice's mailbox, in POP3 order; nothing in this file deletes from it. */
const MESSAGES = [
  `${HEADERS_1}\r\nline 1\r\nline 2\r\nline 3\r\nline 4\r\nline 5\r\n`,
  'Subject: second\r\n\r\nshort\r\n',
  'Subject: third\r\nX-Dots: yes\r\n\r\n.starts with a dot\r\n.\r\n..\r\nafter\r\n',
  `Subject: fourth\r\n\r\n${'four\r\n'.repeat(10)}`,
  // About 1 MiB: more than a socket read, for streams abandoned part way.
  `Subject: big\r\n\r\n${Array.from({ length: BIG_LINES }, (_, i) => `big line ${i} ${'x'.repeat(40)}\r\n`).join('')}`,
].map((text) => Buffer.from(text, 'latin1'));
const BIG = 5;

/** Resolves to the rejection of `promise`, failing when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => assert.fail(`expected a rejection, got ${String(value)}`),
    (error: unknown) => error,
  );
}

/**
 * A TCP relay in front of Dovecot that can hold Dovecot's bytes back until the client has sent
 * a number of command lines. A client that waits for each reply before writing the next
 * command never gets there; a pipelining one does.
 */
class HoldingRelay {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #hold: { lines: number; held: Buffer[]; release: () => void } | undefined;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async start(targetPort: number): Promise<HoldingRelay> {
    const server = net.createServer();
    const relay = new HoldingRelay(server);
    server.on('connection', (client) => relay.#pipe(client, net.connect(targetPort, '127.0.0.1')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** From now on, Dovecot's bytes wait until the client has sent `lines` more lines. */
  holdRepliesUntil(lines: number): Promise<void> {
    return new Promise((release) => {
      this.#hold = { lines, held: [], release };
    });
  }

  #pipe(client: net.Socket, upstream: net.Socket): void {
    for (const socket of [client, upstream]) {
      this.#sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (chunk: Buffer) => {
      if (this.#hold) this.#hold.held.push(chunk);
      else client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      const hold = this.#hold;
      if (!hold) return;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) hold.lines--;
      if (hold.lines > 0) return;
      this.#hold = undefined;
      for (const held of hold.held) client.write(held);
      hold.release();
    });
  }

  close(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#server.close();
  }
}

const skip = dovecotSkipReason();
describe('Pop3Client against Dovecot: logins, commands, errors', { skip }, () => {
  let dovecot: DovecotInstance;
  const options = (extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
    host: dovecot.host,
    port: dovecot.port,
    tls: { ca: dovecot.caPem },
    timeout: 10_000,
    ...extra,
  });
  /** A session logged in as alice with USER/PASS. */
  const alice = () => Pop3Client.connect(options({ auth: { ...ALICE, mechanism: 'USER' } }));

  before(async () => {
    const instance = await startDovecot({ users: [ALICE, BOB] });
    assert.ok(instance, 'startDovecot returned undefined although dovecot is installed');
    dovecot = instance;
    for (const bytes of MESSAGES) dovecot.addMessage('alice', bytes);
  });

  after(async () => {
    await dovecot?.stop();
  });

  describe('logging in', () => {
    it('logs in with USER/PASS and enters the transaction state', async () => {
      await using client = await Pop3Client.connect(options());
      assert.equal(client.state, 'authorization');
      assert.match(await client.login({ ...ALICE, mechanism: 'USER' }), /^Logged in/);
      assert.equal(client.state, 'transaction');
      assert.equal((await client.stat()).count, MESSAGES.length);
    });

    it('logs in with APOP through login({ mechanism: "APOP" })', async () => {
      await using client = await Pop3Client.connect(options());
      assert.match(client.welcome, /<[^<>@]+@[^<>]+>$/, 'Dovecot greets with an APOP timestamp');
      await client.login({ ...ALICE, mechanism: 'APOP' });
      assert.equal(client.state, 'transaction');
      assert.equal((await client.stat()).count, MESSAGES.length);
    });

    it('logs in with apop() and the greeting timestamp', async () => {
      await using client = await Pop3Client.connect(options());
      assert.match(await client.apop(ALICE.user, ALICE.pass), /^Logged in/);
      assert.equal(client.state, 'transaction');
    });

    it('logs in during connect with the auth option', async () => {
      await using client = await Pop3Client.connect(options({ auth: ALICE }));
      assert.equal(client.state, 'transaction');
      assert.equal((await client.stat()).count, MESSAGES.length);
    });

    it('rejects a wrong password with Pop3AuthError [AUTH], and a second attempt on the same connection works', async () => {
      await using client = await Pop3Client.connect(options());
      const error = await rejection(client.login({ ...BOB, pass: 'wrong-pass', mechanism: 'USER' }));
      assert.ok(error instanceof Pop3AuthError, `got ${String(error)}`);
      assert.equal(error.code, 'POP3_AUTH_ERROR');
      assert.equal(error.command, 'PASS');
      assert.equal(error.responseCode, 'AUTH');
      assert.match(error.response, /^\[AUTH\] /);
      assert.doesNotMatch(error.message, /wrong-pass/, 'the password is not in the error');
      assert.equal(client.state, 'authorization');
      await client.login({ ...BOB, mechanism: 'USER' });
      assert.equal(client.state, 'transaction');
      assert.deepEqual(await client.stat(), { count: 0, size: 0 });
    });

    it('rejects a wrong APOP digest with Pop3AuthError [AUTH]', async () => {
      await using client = await Pop3Client.connect(options());
      const error = await rejection(client.apop(BOB.user, 'wrong-pass'));
      assert.ok(error instanceof Pop3AuthError, `got ${String(error)}`);
      assert.equal(error.command, 'APOP');
      assert.equal(error.responseCode, 'AUTH');
      await client.apop(BOB.user, BOB.pass);
      assert.equal(client.state, 'transaction');
    });
  });

  describe('commands', () => {
    it('reads CAPA again after login, where Dovecot no longer offers USER and SASL', async () => {
      await using client = await Pop3Client.connect(options({ starttls: 'never' }));
      const before = await client.capa();
      for (const name of [
        'CAPA',
        'TOP',
        'UIDL',
        'RESP-CODES',
        'PIPELINING',
        'AUTH-RESP-CODE',
        'USER',
        'STLS',
      ]) {
        assert.ok(name in before, `CAPA before login lacks ${name}`);
      }
      assert.ok(before.SASL?.includes('SCRAM-SHA-256'), 'SASL before login lists SCRAM-SHA-256');
      assert.deepEqual(client.capabilities.sasl, before.SASL, 'connect read CAPA itself');
      await client.login({ ...ALICE, mechanism: 'USER' });
      // Without calling capa(): the client read it again after PASS.
      assert.equal(client.capabilities.user, false);
      assert.deepEqual(client.capabilities.sasl, []);
      assert.equal(client.capabilities.stls, false);
      assert.equal(client.capabilities.pipelining, true);
      const afterLogin = await client.capa();
      assert.deepEqual(Object.keys(afterLogin).sort(), [
        'AUTH-RESP-CODE',
        'CAPA',
        'PIPELINING',
        'RESP-CODES',
        'TOP',
        'UIDL',
      ]);
    });

    it('STAT, LIST and LIST n report the sizes of the Maildir files', async () => {
      await using client = await alice();
      const total = MESSAGES.reduce((sum, bytes) => sum + bytes.length, 0);
      assert.deepEqual(await client.stat(), { count: MESSAGES.length, size: total });
      const sizes = MESSAGES.map((bytes, i) => ({ msg: i + 1, size: bytes.length }));
      assert.deepEqual(await client.list(), sizes);
      assert.deepEqual(await client.list(3), sizes[2]);
    });

    it('UIDL and UIDL n return the Maildir base names as UIDs', async () => {
      await using client = await alice();
      const uids = dovecot.messages('alice').map((m, i) => ({ msg: i + 1, uid: m.uid }));
      assert.equal(uids.length, MESSAGES.length);
      assert.deepEqual(await client.uidl(), uids);
      assert.deepEqual(await client.uidl(2), uids[1]);
    });

    it('RETR returns each message byte for byte, dot-stuffing undone', async () => {
      await using client = await alice();
      for (const [i, bytes] of MESSAGES.entries()) {
        assert.deepEqual(await client.retr(i + 1), bytes, `message ${i + 1}`);
      }
    });

    it('retrStream yields the same bytes as RETR', async () => {
      await using client = await alice();
      for (const msg of [3, BIG]) {
        const stream = await client.retrStream(msg);
        assert.deepEqual(await buffer(stream), MESSAGES[msg - 1], `message ${msg}`);
      }
    });

    it('keeps the session in step when a retrStream is abandoned after its first chunk', async () => {
      await using client = await alice();
      const stream = await client.retrStream(BIG);
      for await (const chunk of stream) {
        assert.ok(
          (chunk as Buffer).length < MESSAGES[BIG - 1]!.length,
          'the first chunk is not the whole message',
        );
        break; // destroys the stream
      }
      assert.deepEqual(await client.retr(2), MESSAGES[1]);
      assert.deepEqual(await client.list(BIG), { msg: BIG, size: MESSAGES[BIG - 1]!.length });
    });

    it('keeps the session in step when a retrStream is destroyed unread', async () => {
      await using client = await alice();
      (await client.retrStream(BIG)).destroy();
      assert.deepEqual(await client.retr(1), MESSAGES[0]);
    });

    it('TOP n 0 returns the headers and the blank line; TOP n 3 adds three body lines', async () => {
      await using client = await alice();
      assert.equal((await client.top(1, 0)).toString('latin1'), `${HEADERS_1}\r\n`);
      assert.equal(
        (await client.top(1, 3)).toString('latin1'),
        `${HEADERS_1}\r\nline 1\r\nline 2\r\nline 3\r\n`,
      );
      // Body lines starting with a dot count as lines and come back unstuffed.
      assert.equal(
        (await client.top(3, 3)).toString('latin1'),
        'Subject: third\r\nX-Dots: yes\r\n\r\n.starts with a dot\r\n.\r\n..\r\n',
      );
    });

    it('NOOP answers with an empty +OK text', async () => {
      await using client = await alice();
      assert.equal(await client.noop(), '');
    });

    it('UTF8, which Dovecot 2.3 does not offer, fails with Pop3ServerError and the session stays usable', async () => {
      await using client = await Pop3Client.connect(options());
      assert.equal(client.capabilities.utf8, false, 'Dovecot 2.3 does not advertise UTF8');
      const error = await rejection(client.utf8());
      assert.ok(error instanceof Pop3ServerError, `got ${String(error)}`);
      assert.ok(!(error instanceof Pop3AuthError));
      assert.equal(error.command, 'UTF8');
      assert.equal(error.response, 'Unknown command.');
      assert.equal(error.responseCode, undefined);
      await client.login({ ...ALICE, mechanism: 'USER' });
      assert.equal((await client.stat()).count, MESSAGES.length);
    });

    it('quit() answers with the server text and closes the client; later commands fail with Pop3StateError', async () => {
      const client = await alice();
      assert.match(await client.quit(), /^Logging out/);
      assert.equal(client.state, 'closed');
      const error = await rejection(client.stat());
      assert.ok(error instanceof Pop3StateError, `got ${String(error)}`);
    });
  });

  describe('errors from Dovecot', () => {
    it('fails RETR, TOP, LIST n, UIDL n and DELE of a message that does not exist with Pop3ServerError', async () => {
      await using client = await alice();
      const missing = MESSAGES.length + 1;
      const attempts = {
        RETR: client.retr(missing),
        TOP: client.top(missing, 0),
        LIST: client.list(missing),
        UIDL: client.uidl(missing),
        DELE: client.dele(missing),
      };
      for (const [verb, attempt] of Object.entries(attempts)) {
        const error = await rejection(attempt);
        assert.ok(error instanceof Pop3ServerError, `${verb}: got ${String(error)}`);
        assert.equal(error.code, 'POP3_SERVER_ERROR');
        assert.equal(error.command, verb);
        assert.equal(error.response, `There's no message ${missing}.`);
      }
      assert.equal(client.state, 'transaction');
      assert.deepEqual(await client.retr(2), MESSAGES[1], 'the session is still usable');
    });
  });

  describe('bulk commands and pipelining', () => {
    it('retrMany yields every message in the order asked', async () => {
      await using client = await alice();
      const order = [4, 1, 3, 2, BIG];
      const got: Array<{ msg: number; data: Buffer }> = [];
      for await (const item of client.retrMany(order, { window: 2 })) got.push(item);
      assert.deepEqual(
        got,
        order.map((msg) => ({ msg, data: MESSAGES[msg - 1] })),
      );
    });

    it('topMany yields the headers of every message in order', async () => {
      await using client = await alice();
      const got: Array<{ msg: number; data: string }> = [];
      for await (const { msg, data } of client.topMany([1, 2, 3], 0))
        got.push({ msg, data: data.toString('latin1') });
      assert.deepEqual(got, [
        { msg: 1, data: `${HEADERS_1}\r\n` },
        { msg: 2, data: 'Subject: second\r\n\r\n' },
        { msg: 3, data: 'Subject: third\r\nX-Dots: yes\r\n\r\n' },
      ]);
    });

    it('retrManyStreams yields one readable stream per message with its bytes', async () => {
      await using client = await alice();
      const got: Array<{ msg: number; data: Buffer }> = [];
      for await (const { msg, data } of client.retrManyStreams([BIG, 2, 3], { window: 2 })) {
        got.push({ msg, data: await buffer(data) });
      }
      assert.deepEqual(got, [
        { msg: BIG, data: MESSAGES[BIG - 1] },
        { msg: 2, data: MESSAGES[1] },
        { msg: 3, data: MESSAGES[2] },
      ]);
      assert.deepEqual(await client.retr(1), MESSAGES[0], 'the session is still in step');
    });

    it('writes commands issued together before reading any reply, since Dovecot advertises PIPELINING', async () => {
      const relay = await HoldingRelay.start(dovecot.port);
      try {
        // Plaintext through the relay so that it can count command lines.
        await using client = await Pop3Client.connect(
          options({ port: relay.port, starttls: 'never', auth: { ...ALICE, mechanism: 'USER' } }),
        );
        assert.equal(client.capabilities.pipelining, true);
        const released = relay.holdRepliesUntil(6);
        // Dovecot's replies reach the client only once all six commands have reached Dovecot.
        const [stat, list, uid, one, top, noop] = await Promise.all([
          client.stat(),
          client.list(2),
          client.uidl(3),
          client.retr(1),
          client.top(4, 1),
          client.noop(),
        ]);
        await released;
        assert.equal(stat.count, MESSAGES.length);
        assert.deepEqual(list, { msg: 2, size: MESSAGES[1]!.length });
        assert.deepEqual(uid, { msg: 3, uid: dovecot.messages('alice')[2]!.uid });
        assert.deepEqual(one, MESSAGES[0]);
        assert.equal(top.toString('latin1'), 'Subject: fourth\r\n\r\nfour\r\n');
        assert.equal(noop, '');
      } finally {
        relay.close();
      }
    });

    it('rejects only the failing command of a pipelined batch; the replies around it stay in order', async () => {
      await using client = await alice();
      const results = await Promise.allSettled([
        client.retr(2),
        client.retr(MESSAGES.length + 1),
        client.uidl(1),
        client.retr(3),
      ]);
      assert.deepEqual(results[0], { status: 'fulfilled', value: MESSAGES[1] });
      assert.equal(results[1]?.status, 'rejected');
      assert.ok((results[1] as PromiseRejectedResult).reason instanceof Pop3ServerError);
      assert.deepEqual(results[2], {
        status: 'fulfilled',
        value: { msg: 1, uid: dovecot.messages('alice')[0]!.uid },
      });
      assert.deepEqual(results[3], { status: 'fulfilled', value: MESSAGES[2] });
    });
  });
});
