// Smoke test of the Dovecot harness itself, spoken to over raw sockets so it does not depend on
// the pop3kit client it exists to test.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as tls from 'node:tls';
import { type DovecotInstance, dovecotSkipReason, startDovecot } from '../helpers/dovecot.js';

/** One POP3 connection read by hand: status lines, and multi-line bodies still dot-stuffed. */
class RawSession {
  #socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #error: Error | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  static async open(port: number, tlsOptions?: tls.ConnectionOptions): Promise<RawSession> {
    const socket = tlsOptions
      ? tls.connect({ host: '127.0.0.1', port, ...tlsOptions })
      : net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once(tlsOptions ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    });
    return new RawSession(socket);
  }

  #listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    socket.on('error', (err) => {
      this.#error = err;
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#error ??= new Error('connection closed');
      this.#wake?.();
    });
  }

  /** Waits until `end(buffer)` finds a complete item, then takes that many bytes. */
  async #take(end: (buffer: Buffer) => number): Promise<Buffer> {
    for (;;) {
      const n = end(this.#buffer);
      if (n >= 0) {
        const taken = this.#buffer.subarray(0, n);
        this.#buffer = this.#buffer.subarray(n);
        return taken;
      }
      if (this.#error) throw this.#error;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async line(): Promise<string> {
    const raw = await this.#take((b) => (b.indexOf('\r\n') < 0 ? -1 : b.indexOf('\r\n') + 2));
    return raw.toString('latin1').slice(0, -2);
  }

  /** The body of a multi-line response as sent, without its terminating ".\r\n" (RFC 1939 §3). */
  async body(): Promise<Buffer> {
    const raw = await this.#take((b) => {
      if (b.subarray(0, 3).equals(Buffer.from('.\r\n'))) return 3;
      const i = b.indexOf('\r\n.\r\n');
      return i < 0 ? -1 : i + 5;
    });
    return raw.subarray(0, raw.length - 3);
  }

  async command(text: string): Promise<string> {
    this.#socket.write(`${text}\r\n`);
    return this.line();
  }

  async multi(text: string): Promise<{ status: string; body: Buffer }> {
    const status = await this.command(text);
    assert.match(status, /^\+OK/, `${text} failed: ${status}`);
    return { status, body: await this.body() };
  }

  async capa(): Promise<string[]> {
    return (await this.multi('CAPA')).body.toString('latin1').split('\r\n').filter(Boolean);
  }

  /** RFC 2595 §4: after "+OK" to STLS, the TLS handshake starts on the same connection. */
  async upgrade(options: tls.ConnectionOptions): Promise<void> {
    assert.equal(this.#buffer.length, 0, 'no bytes may follow +OK to STLS');
    this.#socket.removeAllListeners('data');
    const secure = tls.connect({ socket: this.#socket, ...options });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    this.#socket = secure;
    this.#listen(secure);
  }

  close(): void {
    this.#socket.destroy();
  }
}

const stuffed = (text: string) => Buffer.from(text.replace(/^\./gm, '..'), 'latin1');
const MESSAGES = [
  'From: a@example.org\r\nSubject: one\r\n\r\nfirst body\r\n',
  'Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nlast line\r\n',
  'Subject: three\r\n\r\n\r\n',
];

const skip = dovecotSkipReason();
describe('Dovecot test harness', { skip }, () => {
  let dovecot: DovecotInstance;
  const tlsOptions = () => ({ ca: dovecot.caPem, servername: 'localhost' });

  before(async () => {
    const instance = await startDovecot();
    assert.ok(instance, 'startDovecot returned undefined although dovecot is installed');
    dovecot = instance;
    for (const text of MESSAGES) dovecot.addMessage('alice', Buffer.from(text, 'latin1'));
  });

  after(async () => {
    await dovecot?.stop();
  });

  test('greets with +OK and an APOP timestamp', async () => {
    const s = await RawSession.open(dovecot.port);
    assert.match(await s.line(), /^\+OK .*<[^<>]+@[^<>]+>$/);
    s.close();
  });

  test('advertises the capabilities the client relies on', async () => {
    const s = await RawSession.open(dovecot.port);
    await s.line();
    const capa = await s.capa();
    for (const name of ['PIPELINING', 'UIDL', 'TOP', 'USER', 'RESP-CODES', 'STLS']) {
      assert.ok(capa.includes(name), `CAPA lacks ${name}: ${capa.join(', ')}`);
    }
    const sasl = capa.find((c) => c.startsWith('SASL '))?.split(' ') ?? [];
    for (const mech of 'PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 OAUTHBEARER XOAUTH2'.split(' ')) {
      assert.ok(sasl.includes(mech), `SASL lacks ${mech}: ${sasl.join(' ')}`);
    }
    s.close();
  });

  test('USER/PASS login, STAT, LIST, UIDL and dot-stuffed RETR match the Maildir', async () => {
    const { user, pass } = dovecot.users[0] as { user: string; pass: string };
    const s = await RawSession.open(dovecot.port);
    await s.line();
    assert.match(await s.command(`USER ${user}`), /^\+OK/);
    assert.match(await s.command(`PASS ${pass}`), /^\+OK/);
    const total = MESSAGES.reduce((sum, m) => sum + m.length, 0);
    assert.equal(await s.command('STAT'), `+OK ${MESSAGES.length} ${total}`);
    const list = (await s.multi('LIST')).body.toString('latin1');
    assert.equal(list, MESSAGES.map((m, i) => `${i + 1} ${m.length}\r\n`).join(''));
    const uids = (await s.multi('UIDL')).body.toString('latin1');
    const expectedUids = dovecot.messages(user).map((m, i) => `${i + 1} ${m.uid}\r\n`);
    assert.equal(uids, expectedUids.join(''));
    for (const [i, text] of MESSAGES.entries()) {
      const { status, body } = await s.multi(`RETR ${i + 1}`);
      assert.equal(status, `+OK ${text.length} octets`);
      assert.deepEqual(body, stuffed(text));
    }
    assert.match(await s.command('QUIT'), /^\+OK/);
    // RETR set \Seen, so Dovecot moved the files to cur/; bytes, order and UIDLs stay.
    const stored = dovecot.messages(user);
    assert.deepEqual(
      stored.map((m) => m.bytes.toString('latin1')),
      MESSAGES,
    );
    assert.ok(stored.every((m) => m.path.includes('/cur/')));
    const again = await RawSession.open(dovecot.port);
    await again.line();
    await again.command(`USER ${user}`);
    await again.command(`PASS ${pass}`);
    assert.equal((await again.multi('UIDL')).body.toString('latin1'), uids);
    again.close();
  });

  test('implicit TLS verifies against the test CA by name and by IP', async () => {
    const byName = await RawSession.open(dovecot.securePort, tlsOptions());
    assert.match(await byName.line(), /^\+OK/);
    byName.close();
    // No servername: Node checks 127.0.0.1 against the certificate's IP SAN.
    const byIp = await RawSession.open(dovecot.securePort, { ca: dovecot.caPem });
    assert.match(await byIp.line(), /^\+OK/);
    byIp.close();
    await assert.rejects(RawSession.open(dovecot.securePort, { servername: 'localhost' }), /certificate/);
  });

  test('STLS upgrades and the capabilities are read again', async () => {
    const s = await RawSession.open(dovecot.port);
    await s.line();
    assert.match(await s.command('STLS'), /^\+OK/);
    await s.upgrade(tlsOptions());
    assert.ok(!(await s.capa()).includes('STLS'), 'STLS still offered after the upgrade');
    const { user, pass } = dovecot.users[1] as { user: string; pass: string };
    assert.match(await s.command(`USER ${user}`), /^\+OK/);
    assert.match(await s.command(`PASS ${pass}`), /^\+OK/);
    assert.equal(await s.command('STAT'), '+OK 0 0');
    s.close();
  });

  test('APOP, AUTH CRAM-MD5 and AUTH XOAUTH2 log in', async () => {
    const { user, pass, token } = dovecot.users[0] as { user: string; pass: string; token: string };
    const apop = await RawSession.open(dovecot.port);
    const stamp = /<[^<>]+>/.exec(await apop.line())?.[0] ?? '';
    const digest = createHash('md5')
      .update(stamp + pass)
      .digest('hex');
    assert.match(await apop.command(`APOP ${user} ${digest}`), /^\+OK/);
    apop.close();

    const cram = await RawSession.open(dovecot.port);
    await cram.line();
    const challenge = Buffer.from((await cram.command('AUTH CRAM-MD5')).slice(2), 'base64');
    const hmac = createHmac('md5', pass).update(challenge).digest('hex');
    assert.match(await cram.command(Buffer.from(`${user} ${hmac}`).toString('base64')), /^\+OK/);
    cram.close();

    const xoauth2 = (secret: string) =>
      Buffer.from(`user=${user}\x01auth=Bearer ${secret}\x01\x01`).toString('base64');
    const oauth = await RawSession.open(dovecot.port);
    await oauth.line();
    assert.match(await oauth.command(`AUTH XOAUTH2 ${xoauth2(token)}`), /^\+OK/);
    oauth.close();
    // The password is no token. Dovecot sends the JSON error as a challenge, wants an empty
    // reply, then fails at once (auth_failure_delay = 0).
    const wrong = await RawSession.open(dovecot.port);
    await wrong.line();
    const started = Date.now();
    assert.match(await wrong.command(`AUTH XOAUTH2 ${xoauth2(pass)}`), /^\+ /);
    assert.match(await wrong.command(''), /^-ERR/);
    assert.ok(Date.now() - started < 1000, 'failed login was delayed');
    wrong.close();
  });

  test('a second instance runs beside the first and stop() removes it', async () => {
    const other = await startDovecot({ users: [{ user: 'carol', pass: 'carol-pass' }] });
    assert.ok(other);
    assert.notEqual(other.port, dovecot.port);
    const s = await RawSession.open(other.port);
    await s.line();
    assert.ok(!(await s.capa()).some((c) => c.includes('XOAUTH2')), 'no tokens, so no OAuth2');
    s.close();
    await other.stop();
    assert.match(other.logText(), /starting up/);
    assert.equal(fs.existsSync(other.dir), false);
    await assert.rejects(RawSession.open(other.port), /ECONNREFUSED/);
  });
});
