// The test cases of CPython's TestPOP3Class (Lib/test/test_poplib.py, 3.11) that its
// subclasses TestPOP3_SSLClass and TestPOP3_TLSClass inherit unchanged. Each variant's test
// file runs them and adds its own test_stls, test_stls_context and test_stls_capa.
// Where pop3kit's defaults differ from poplib's, the test asserts pop3kit's and says why.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, it } from 'node:test';
import {
  Pop3AuthError,
  Pop3ProtocolError,
  Pop3SecurityError,
  Pop3ServerError,
  Pop3StateError,
} from '../../src/errors.js';
import { DEFAULT_MAX_LINE_LENGTH } from '../../src/protocol/constants.js';
import {
  assertOK,
  assertRaisesErrorProto,
  bytes,
  type Fixture,
  setUp,
  tearDown,
  type Variant,
} from './harness.js';

export const EXPECTED_RETR = [
  bytes('+OK 116 bytes'),
  [
    'From: postmaster@python.org',
    'Content-Type: text/plain',
    'MIME-Version: 1.0',
    'Subject: Dummy',
    '',
    'line1',
    'line2',
    'line3',
  ].map(bytes),
  113,
];

const LIST_LINES = ['1 1', '2 2', '3 3', '4 4', '5 5'].map(bytes);

/** RFC 1939 §7's APOP example: this greeting, user mrose, secret tanstaaf. */
const RFC1939_GREETING = '+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>';

/** Registers the inherited TestPOP3Class cases for `variant` in the current describe(). */
export function definePOP3ClassTests(variant: Variant, fixture: () => Fixture): void {
  it('test_getwelcome: getwelcome() is the whole greeting line as bytes', () => {
    assert.deepEqual(fixture().client.getwelcome(), bytes('+OK dummy pop3 server ready. <timestamp>'));
  });

  it('test_exceptions: a -ERR reply raises error_proto holding the status line', async () => {
    const { server, client } = fixture();
    const error = await assertRaisesErrorProto(client._shortcmd('echo -err'), { cause: Pop3ServerError });
    assert.equal(server.received.at(-1), 'ECHO -err');
    // Python's args[0] is b'-err' as sent. Pop3ServerError keeps only the text after the
    // status word (here none), so the facade rebuilds the line as "-ERR".
    assert.deepEqual(error.args, [bytes('-ERR')]);
    assert.equal(error.message, '-ERR');
    const busy = await assertRaisesErrorProto(client._shortcmd('echo -ERR [IN-USE] busy'));
    assert.deepEqual(busy.args, [bytes('-ERR [IN-USE] busy')]);
    assert.equal((busy.cause as Pop3ServerError).responseCode, 'IN-USE');
    // A -ERR leaves the session usable.
    assertOK(await client.noop());
  });

  it('test_user: USER answers +OK, and a -ERR raises error_proto', async () => {
    const { client } = fixture();
    assertOK(await client.user('guido'));
    await assertRaisesErrorProto(client.user('invalid'), {
      message: '-ERR no such user',
      cause: Pop3AuthError,
    });
  });

  it('test_pass_: PASS answers +OK, and USER invalid then raises', async () => {
    const { client } = fixture();
    assertOK(await client.pass_('python'));
    await assertRaisesErrorProto(client.user('invalid'), { cause: Pop3AuthError });
  });

  it('test_stat: stat() returns [count, size]', async () => {
    assert.deepEqual(await fixture().client.stat(), [10, 100]);
  });

  it('test_list: list() returns [resp, lines, octets], list(n) the scan line', async () => {
    const { client } = fixture();
    const [resp, lines, octets] = await client.list();
    assert.deepEqual(resp, bytes('+OK'));
    assert.deepEqual([lines, octets], [LIST_LINES, 25]);
    assert.ok((await client.list('1')).toString().endsWith('OK 1 1'));
    assert.deepEqual(await client.list(1), bytes('+OK 1 1'));
  });

  it('test_retr: retr() returns the status line, the unstuffed lines and their octets', async () => {
    const { server, client } = fixture();
    // CPython sends "RETR foo" and the dummy ignores the argument. pop3kit sends only message
    // numbers it has checked, so 'foo' is refused before anything is written.
    await assertRaisesErrorProto(client.retr('foo'), { cause: TypeError });
    assert.ok(!server.received.some((line) => line.startsWith('RETR')));
    assert.deepEqual(await client.retr(1), EXPECTED_RETR);
    assert.deepEqual(await client.retr('1'), EXPECTED_RETR);
  });

  it('test_too_long_lines: an over-long reply line raises error_proto', async () => {
    const { server, client } = fixture();
    // CPython's exact call sends a 2,064-octet command; pop3kit refuses any command over RFC
    // 2449's 255 octets before writing it, and the session goes on.
    await assertRaisesErrorProto(client._shortcmd(`echo +${'a'.repeat(2048 + 10)}`), { cause: RangeError });
    assert.ok(!server.received.some((line) => line.startsWith('ECHO')));
    assertOK(await client.noop());
    // poplib caps every line, message bodies included, at 2048 octets; pop3kit caps status
    // and listing lines at maxLineLength (8 KiB by default) and streams bodies uncapped. A
    // line over the cap cannot be trusted to end anywhere, so the session is closed.
    server.overrides.set('noop', `+${'a'.repeat(DEFAULT_MAX_LINE_LENGTH + 10)}`);
    await assertRaisesErrorProto(client.noop(), { cause: Pop3ProtocolError });
    assert.equal(client.client.state, 'closed');
  });

  it('test_too_long_lines with ECHO: a line over a lowered maxLineLength raises error_proto', async () => {
    // CPython echoes "+aaa..."; pop3kit wants "+OK" (a bare "+" is a SASL continuation).
    const small = await setUp(variant, {}, { maxLineLength: 200 });
    try {
      const fits = `+OK ${'a'.repeat(196)}`;
      assert.deepEqual(await small.client._shortcmd(`echo ${fits}`), bytes(fits));
      await assertRaisesErrorProto(small.client._shortcmd(`echo +OK ${'a'.repeat(197)}`), {
        cause: Pop3ProtocolError,
      });
      assert.equal(small.client.client.state, 'closed');
    } finally {
      await tearDown(variant, small);
    }
  });

  it('test_dele: DELE answers +OK', async () => {
    const { client } = fixture();
    // CPython deletes 'foo'; pop3kit refuses a message number that is not a number.
    await assertRaisesErrorProto(client.dele('foo'), { cause: TypeError });
    assertOK(await client.dele(1));
    assertOK(await client.dele('1'));
  });

  it('test_noop: NOOP answers +OK', async () => {
    assertOK(await fixture().client.noop());
  });

  it('test_rpop: RPOP answers +OK', async () => {
    assertOK(await fixture().client.rpop('foo'));
  });

  it('test_apop_normal: APOP sends the RFC 1939 digest of a msg-id timestamp', async () => {
    // CPython's greeting ends in "<timestamp>", which poplib accepts; pop3kit requires a valid
    // msg-id (<...@...>) and refuses APOP before sending anything.
    const { server, client } = fixture();
    await assertRaisesErrorProto(client.apop('foo', 'dummypassword'), { cause: Pop3SecurityError });
    assert.ok(!server.received.some((line) => line.startsWith('APOP')));

    const rfc = await setUp(variant, { greeting: RFC1939_GREETING });
    try {
      assertOK(await rfc.client.apop('mrose', 'tanstaaf'));
      assert.ok(rfc.server.received.includes('APOP mrose c4c9334bac560ecc979e58001b3e22fb'));
    } finally {
      await tearDown(variant, rfc);
    }
  });

  it('test_apop_REDOS: a huge hostile greeting makes APOP fail fast, not hang', async () => {
    // CPython swaps b'+OK' + b'<' * 1000000 into client.welcome; here the server sends the
    // greeting, which takes a line limit above the default 8 KiB to get through. pop3kit's
    // status parser wants a space after "+OK", so the evil run of "<" starts after one.
    const evil = `+OK ${'<'.repeat(1_000_000)}`;
    const big = await setUp(variant, { greeting: evil }, { maxLineLength: 2_000_000 });
    try {
      assert.equal(big.client.getwelcome().length, evil.length);
      const started = performance.now();
      await assertRaisesErrorProto(big.client.apop('a', 'kb'), { cause: Pop3SecurityError });
      assert.ok(performance.now() - started < 1000, 'the APOP timestamp scan is linear');
      assert.ok(!big.server.received.some((line) => line.startsWith('APOP')));
    } finally {
      await tearDown(variant, big);
    }
    // With the default line limit, such a greeting is refused while it arrives ...
    await assertRaisesErrorProto(setUp(variant, { greeting: evil }), { cause: Pop3ProtocolError });
    // ... and CPython's exact bytes are no valid status line at all.
    await assertRaisesErrorProto(
      setUp(variant, { greeting: `+OK${'<'.repeat(1_000_000)}` }, { maxLineLength: 2_000_000 }),
      { cause: Pop3ProtocolError },
    );
  });

  it('test_top: top() returns [resp, lines, octets]', async () => {
    assert.deepEqual(await fixture().client.top(1, 1), EXPECTED_RETR);
  });

  it('test_uidl: uidl() returns [resp, lines, octets], uidl(n) the line', async () => {
    const { client } = fixture();
    assert.deepEqual(await client.uidl(), [bytes('+OK'), LIST_LINES, 25]);
    // CPython asks for uidl('foo'), which pop3kit refuses like retr('foo').
    await assertRaisesErrorProto(client.uidl('foo'), { cause: TypeError });
    assert.deepEqual(await client.uidl(1), bytes('+OK 1 1'));
  });

  it('test_utf8_raises_if_unsupported: UTF8 -ERR raises error_proto', async () => {
    const { server, client } = fixture();
    server.enableUTF8 = false;
    await assertRaisesErrorProto(client.utf8(), { message: '-ERR What is UTF8?!', cause: Pop3ServerError });
  });

  it('test_utf8: UTF8 returns the status line', async () => {
    const { server, client } = fixture();
    server.enableUTF8 = true;
    assert.deepEqual(await client.utf8(), bytes('+OK I know RFC6856'));
  });

  it('test_capa: capa() maps names to argument lists', async () => {
    const capa = await fixture().client.capa();
    assert.ok(Object.keys(capa).includes('IMPLEMENTATION'));
    assert.deepEqual(capa.IMPLEMENTATION, ['python-testlib-pop-server']);
    assert.deepEqual(capa.UIDL, []);
  });

  it('test_quit: quit() returns the status line and closes the connection', async () => {
    const { client } = fixture();
    const resp = await client.quit();
    assert.deepEqual(resp, bytes('+OK closing.'));
    // CPython checks that sock and file are None; pop3kit's client reports 'closed'.
    assert.equal(client.client.state, 'closed');
    await assertRaisesErrorProto(client.noop(), { cause: Pop3StateError });
  });
}

/** beforeEach/afterEach for a variant; returns the accessor the cases use. */
export function useFixture(variant: Variant): () => Fixture {
  let current: Fixture | undefined;
  beforeEach(async () => {
    current = await setUp(variant);
  });
  afterEach(async () => {
    if (current) await tearDown(variant, current);
    current = undefined;
  });
  return () => {
    assert.ok(current, 'setUp ran');
    return current;
  };
}
