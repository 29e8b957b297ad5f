// Where pop3kit/poplib deliberately differs from Python's poplib (safer defaults), and the
// shapes poplib promises that CPython's suite does not pin down (dot-stuffing, octets, debug).
import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type error_proto, POP3, POP3_SSL, type POP3Options } from '../../src/client/poplib.js';
import {
  Pop3AuthError,
  Pop3ProtocolError,
  Pop3SecurityError,
  Pop3ServerError,
  Pop3StateError,
  Pop3TlsError,
} from '../../src/errors.js';
import { DummyPOP3Server } from './dummy-pop3-server.js';
import { assertOK, assertRaisesErrorProto, bytes, LOOPBACK_TIMEOUT, trustingContext } from './harness.js';

/** A name that is not loopback; the connection still goes to the dummy on 127.0.0.1. */
const REMOTE_HOST = 'pop.example.com';

/** Connect options that reach the dummy on 127.0.0.1 (at the port given to connect) through `createConnection`: the client then
 * judges loopback by the host name alone, so REMOTE_HOST counts as a remote server. */
const viaLoopback: POP3Options = { createConnection: ({ port }) => net.connect(port, '127.0.0.1') };

describe('plaintext credentials to a non-loopback host', () => {
  let server: DummyPOP3Server;
  beforeEach(async () => {
    server = await DummyPOP3Server.start({
      greeting: '+OK dummy pop3 server ready. <1896.697170952@dbc.mtview.ca.us>',
    });
  });
  afterEach(() => server.stop());

  it('are refused before anything is written (poplib sends them)', async () => {
    const pop = await POP3.connect(REMOTE_HOST, server.port, LOOPBACK_TIMEOUT, viaLoopback);
    try {
      assert.equal(pop.host, REMOTE_HOST);
      await assertRaisesErrorProto(pop.user('guido'), { cause: Pop3SecurityError });
      await assertRaisesErrorProto(pop.pass_('python'), { cause: Pop3SecurityError });
      await assertRaisesErrorProto(pop.apop('guido', 'python'), { cause: Pop3SecurityError });
      await assertRaisesErrorProto(pop.rpop('guido'), { cause: Pop3SecurityError });
      // _shortcmd is no way around the policy: credential verbs go through their methods.
      await assertRaisesErrorProto(pop._shortcmd('USER guido'), { cause: Pop3StateError });
      await assertRaisesErrorProto(pop._shortcmd('pass python'), { cause: Pop3StateError });
      await assertRaisesErrorProto(pop._shortcmd('APOP guido 0123'), { cause: Pop3StateError });
      await assertRaisesErrorProto(pop._shortcmd('RPOP guido'), { cause: Pop3StateError });
      await assertRaisesErrorProto(pop._shortcmd('AUTH PLAIN'), { cause: Pop3StateError });
      assert.deepEqual(server.received, ['CAPA']);
      // A refusal made before writing leaves the session usable.
      assertOK(await pop.noop());
    } finally {
      pop.close();
    }
  });

  it('are sent when the last argument says allowInsecureAuth: true', async () => {
    const pop = await POP3.connect(REMOTE_HOST, server.port, LOOPBACK_TIMEOUT, {
      ...viaLoopback,
      allowInsecureAuth: true,
    });
    try {
      assertOK(await pop.user('guido'));
      assertOK(await pop.pass_('python'));
      assert.deepEqual(server.received.slice(1, 3), ['USER guido', 'PASS python']);
    } finally {
      pop.close();
    }
  });

  it('are sent through createConnection when the host name is loopback', async () => {
    const pop = await POP3.connect('localhost', server.port, LOOPBACK_TIMEOUT, viaLoopback);
    try {
      assertOK(await pop.user('guido'));
      assertOK(await pop.pass_('python'));
    } finally {
      pop.close();
    }
  });

  it('stls() checks the certificate against the host name given to connect', async () => {
    // The test certificate names localhost, 127.0.0.1 and ::1, not pop.example.com.
    const pop = await POP3.connect(REMOTE_HOST, server.port, LOOPBACK_TIMEOUT, viaLoopback);
    const error = await assertRaisesErrorProto(pop.stls(trustingContext()), { cause: Pop3TlsError });
    assert.equal(
      (error.cause as Pop3TlsError & { cause: { code?: string } }).cause.code,
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
    assert.equal(pop.client.state, 'closed');
  });

  it('are sent after stls()', async () => {
    const pop = await POP3.connect(REMOTE_HOST, server.port, LOOPBACK_TIMEOUT, viaLoopback);
    try {
      // The test certificate names localhost, not pop.example.com.
      assertOK(await pop.stls({ ...trustingContext(), servername: 'localhost' }));
      assert.equal(pop.client.secure, true);
      assertOK(await pop.user('guido'));
      assertOK(await pop.pass_('python'));
      assert.deepEqual(
        server.received.filter((line) => /^(USER|PASS) /.test(line)),
        ['USER guido', 'PASS python'],
      );
    } finally {
      pop.close();
    }
  });

  it('are sent over POP3_SSL, whose certificate is checked against the host name', async () => {
    const secure = await DummyPOP3Server.start({ secure: true });
    try {
      await assertRaisesErrorProto(
        POP3_SSL.connect(REMOTE_HOST, secure.port, { context: trustingContext() }, viaLoopback),
        { cause: Pop3TlsError },
      );
      const pop = await POP3_SSL.connect(
        REMOTE_HOST,
        secure.port,
        { context: { ...trustingContext(), servername: 'localhost' } },
        viaLoopback,
      );
      try {
        assertOK(await pop.user('guido'));
        await assertRaisesErrorProto(pop.pass_('wrong'), { cause: Pop3AuthError });
      } finally {
        pop.close();
      }
    } finally {
      await secure.stop();
    }
  });
});

describe('pop3kit/poplib safety and shapes', () => {
  let server: DummyPOP3Server;
  let pop: POP3;
  beforeEach(async () => {
    server = await DummyPOP3Server.start();
    pop = await POP3.connect(server.host, server.port, LOOPBACK_TIMEOUT);
  });
  afterEach(async () => {
    pop.close();
    await server.stop();
  });

  it('POP3 starts no TLS by itself, even when STLS is offered (as poplib)', async () => {
    assert.equal(pop.client.secure, false);
    assert.deepEqual(server.received, ['CAPA']);
  });

  it('refuses CR or LF in an argument instead of sending a second command', async () => {
    // poplib formats 'USER %s' unchecked, so "guido\r\nDELE 1" would also delete a message.
    await assertRaisesErrorProto(pop.user('guido\r\nDELE 1'), { cause: Pop3SecurityError });
    await assertRaisesErrorProto(pop.pass_('python\nQUIT'), { cause: Pop3SecurityError });
    await assertRaisesErrorProto(pop._shortcmd('echo +OK\r\nDELE 1'), { cause: Pop3SecurityError });
    await assertRaisesErrorProto(pop._longcmd('LIST 1\0'), { cause: Pop3SecurityError });
    assert.ok(!server.received.some((line) => /^(USER|PASS|DELE|QUIT|ECHO|LIST)/.test(line)));
    assertOK(await pop.noop());
  });

  it('_shortcmd and _longcmd leave session-changing commands to their methods', async () => {
    for (const line of ['STLS', 'quit', 'UTF8']) {
      await assertRaisesErrorProto(pop._shortcmd(line), { cause: Pop3StateError });
    }
    await assertRaisesErrorProto(pop._shortcmd('NO!OP'), { cause: TypeError });
    assert.deepEqual(server.received, ['CAPA']);
    assert.equal(pop.client.secure, false);
    assertOK(await pop.noop());
  });

  it('_longcmd returns what the matching method returns', async () => {
    assert.deepEqual(await pop._longcmd('LIST'), await pop.list());
    assert.deepEqual(await pop._longcmd('RETR 1'), await pop.retr(1));
    assert.deepEqual(await pop._longcmd('CAPA'), [
      bytes('+OK Capability list follows'),
      ['UIDL', 'IMPLEMENTATION python-testlib-pop-server', 'STLS'].map(bytes),
      6 + 42 + 6,
    ]);
    assert.deepEqual(await pop._shortcmd('NOOP'), bytes('+OK done nothing.'));
  });

  it('status lines come back as sent: 8-bit bytes and the case of "+ok" kept', async () => {
    server.overrides.set('noop', '+OK caf\xe9 \xff');
    server.overrides.set('rset', '+ok lower case');
    server.overrides.set('dele', '+OK');
    assert.deepEqual(await pop.noop(), Buffer.from([...bytes('+OK caf'), 0xe9, 0x20, 0xff]));
    assert.deepEqual(await pop.rset(), bytes('+ok lower case'));
    assert.deepEqual(await pop.dele(1), bytes('+OK'));
    server.overrides.set('list', '+OK 1 120 extra');
    assert.deepEqual(await pop.list(1), bytes('+OK 1 120 extra'));
  });

  it('a -ERR leaves the session usable; the cause says which command failed', async () => {
    const error: error_proto = await assertRaisesErrorProto(pop.utf8(), { cause: Pop3ServerError });
    assert.equal((error.cause as Pop3ServerError).command, 'UTF8');
    assert.equal((error.cause as Pop3ServerError).response, 'What is UTF8?!');
    assert.deepEqual(error.args, [bytes('-ERR What is UTF8?!')]);
    assertOK(await pop.noop());
  });

  it('a reply nobody asked for closes the session instead of answering the next command', async () => {
    // The dummy answers a bad USER with "-ERR no such user" and then "+OK password required".
    // poplib would hand that stale +OK to the next command; pop3kit stops trusting the stream.
    await assertRaisesErrorProto(pop.user('invalid'), { message: '-ERR no such user' });
    await assertRaisesErrorProto(pop.noop(), { cause: Pop3ProtocolError });
    assert.equal(pop.client.state, 'closed');
  });

  it('concurrent calls are answered in order', async () => {
    const [stat, noop, list] = await Promise.all([pop.stat(), pop.noop(), pop.list(2)]);
    assert.deepEqual(stat, [10, 100]);
    assert.deepEqual(noop, bytes('+OK done nothing.'));
    assert.deepEqual(list, bytes('+OK 2 2'));
  });

  it('set_debuglevel(2) also logs reply lines and bodies as octet counts; levels above 2 are 2', async () => {
    const seen: string[] = [];
    const logger = { debug: (object: Record<string, unknown>) => seen.push(`${object.pop3} ${object.line}`) };
    const logged = await POP3.connect(server.host, server.port, LOOPBACK_TIMEOUT, { logger, debugLevel: 2 });
    try {
      assert.ok(seen.includes('C CAPA'), 'the level given at connect applies from the start');
      logged.set_debuglevel(7);
      await logged.retr(1);
      assert.ok(seen.includes('C RETR 1'));
      assert.ok(seen.includes('S +OK 116 bytes'));
      assert.ok(seen.some((line) => /^S \[\d+ octets of body\]$/.test(line)));
      assert.ok(!seen.some((line) => line.includes('line1')), 'bodies are not printed');
    } finally {
      logged.close();
    }
  });

  it('set_debuglevel(1) logs commands and status lines, never a password', async () => {
    const seen: string[] = [];
    const logger = { debug: (object: Record<string, unknown>) => seen.push(`${object.pop3} ${object.line}`) };
    const logged = await POP3.connect(server.host, server.port, LOOPBACK_TIMEOUT, { logger });
    try {
      await logged.noop();
      assert.equal(seen.length, 0, 'level 0 is silent');
      logged.set_debuglevel(1);
      await logged.user('guido');
      await logged.pass_('python');
      assert.ok(seen.includes('C USER guido'));
      assert.ok(seen.includes('S +OK password required'));
      assert.ok(seen.includes('C PASS ****'));
      assert.ok(!seen.some((line) => line.includes('python')));
      logged.set_debuglevel(0);
      const before = seen.length;
      await logged.noop();
      assert.equal(seen.length, before);
    } finally {
      logged.close();
    }
  });
});

describe('long responses as poplib shapes them', () => {
  it('undoes dot-stuffing, strips CRLF or LF, and counts octets as poplib does', async () => {
    // poplib: "..dot\r\n" -> ".dot" (7 - 1 octets), "plain\n" -> "plain" (6), "\r\n" -> "" (2),
    // ".x\r\n" (not stuffed: kept) -> ".x" (4).
    const server = await DummyPOP3Server.start({ retrResp: bytes('..dot\r\nplain\n\r\n.x\r\n.\r\n') });
    const pop = await POP3.connect(server.host, server.port, LOOPBACK_TIMEOUT);
    try {
      const [resp, lines, octets] = await pop.retr(1);
      assert.deepEqual(resp, bytes('+OK 22 bytes'));
      assert.deepEqual(lines, ['.dot', 'plain', '', '.x'].map(bytes));
      assert.equal(octets, 6 + 6 + 2 + 4);
    } finally {
      pop.close();
      await server.stop();
    }
  });

  it('list() and uidl() return the listing lines as sent, extra text and 8-bit bytes included', async () => {
    // "1 120 extra\r\n" is 13 octets, "2 caf\xe9\n" 7; the terminator is not counted.
    const server = await DummyPOP3Server.start({ listResp: bytes('1 120 extra\r\n2 caf\xe9\n.\r\n') });
    const pop = await POP3.connect(server.host, server.port, LOOPBACK_TIMEOUT);
    try {
      const expected = [bytes('+OK'), [bytes('1 120 extra'), bytes('2 caf\xe9')], 20];
      assert.deepEqual(await pop.list(), expected);
      assert.deepEqual(await pop.uidl(), expected);
    } finally {
      pop.close();
      await server.stop();
    }
  });

  it('keeps 8-bit bytes and body lines longer than poplib allows (2048)', async () => {
    const long = Buffer.concat([bytes('x'.repeat(100_000)), Buffer.from([0xe9, 0x00, 0xff])]);
    const server = await DummyPOP3Server.start({
      retrResp: Buffer.concat([long, bytes('\r\n'), bytes('.\r\n')]),
    });
    const pop = await POP3.connect(server.host, server.port, LOOPBACK_TIMEOUT);
    try {
      const [, lines, octets] = await pop.top(1, 0);
      assert.deepEqual(lines, [long]);
      assert.equal(octets, long.length + 2);
    } finally {
      pop.close();
      await server.stop();
    }
  });
});
