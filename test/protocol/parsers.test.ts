import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pop3ProtocolError, Pop3SecurityError } from '../../src/errors.js';
import { extractApopTimestamp } from '../../src/protocol/apop.js';
import { describeCapabilities, parseCapabilities } from '../../src/protocol/capabilities.js';
import { encodeCommand } from '../../src/protocol/encoder.js';
import { parseListLine, parseStat, parseUidlLine } from '../../src/protocol/listings.js';
import { parseRespCode } from '../../src/protocol/resp-codes.js';
import { parseStatusLine } from '../../src/protocol/status.js';

const line = (text: string) => Buffer.from(text, 'latin1');

describe('status lines', () => {
  it('parses +OK with and without text', () => {
    assert.deepEqual(parseStatusLine(line('+OK 2 320')), { kind: '+OK', text: '2 320' });
    assert.deepEqual(parseStatusLine(line('+OK')), { kind: '+OK', text: '' });
    assert.deepEqual(parseStatusLine(line('+ok fine')), { kind: '+OK', text: 'fine' });
  });
  it('parses -ERR with a RESP-CODE', () => {
    assert.deepEqual(parseStatusLine(line('-ERR [SYS/TEMP] try later')), {
      kind: '-ERR',
      text: '[SYS/TEMP] try later',
      code: 'SYS/TEMP',
    });
    assert.deepEqual(parseStatusLine(line('-ERR')), { kind: '-ERR', text: '', code: undefined });
  });
  it('parses SASL continuations', () => {
    assert.deepEqual(parseStatusLine(line('+ ')), { kind: '+', text: '' });
    assert.deepEqual(parseStatusLine(line('+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+')), {
      kind: '+',
      text: 'PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2U+',
    });
  });
  it('rejects anything else as a protocol error', () => {
    for (const bad of ['', 'OK', '+OKAY', '-ERROR', 'hello', '+OKx', '* OK']) {
      assert.throws(() => parseStatusLine(line(bad)), Pop3ProtocolError, bad);
    }
  });
});

describe('RESP-CODES', () => {
  it('extracts RFC 2449 and RFC 3206 codes, upper-cased', () => {
    assert.equal(parseRespCode('[IN-USE] locked'), 'IN-USE');
    assert.equal(parseRespCode('[login-delay] wait'), 'LOGIN-DELAY');
    assert.equal(parseRespCode('[SYS/PERM] gone'), 'SYS/PERM');
    assert.equal(parseRespCode('[AUTH] bad password'), 'AUTH');
  });
  it('ignores text that is not a code', () => {
    assert.equal(parseRespCode('no code here'), undefined);
    assert.equal(parseRespCode('[unterminated'), undefined);
    assert.equal(parseRespCode('[]'), undefined);
    assert.equal(parseRespCode('[SYS//TEMP]'), undefined);
    assert.equal(parseRespCode('[has space]'), undefined);
  });
});

describe('listings', () => {
  it('parses STAT', () => {
    assert.deepEqual(parseStat('2 320'), { count: 2, size: 320 });
    assert.deepEqual(parseStat('0 0 extra words'), { count: 0, size: 0 });
  });
  it('parses LIST and UIDL lines', () => {
    assert.deepEqual(parseListLine('1 120'), { msg: 1, size: 120 });
    assert.deepEqual(parseListLine('3  200'), { msg: 3, size: 200 });
    assert.deepEqual(parseUidlLine('1 whqtswO00WBw418f9t5JxYwZ'), {
      msg: 1,
      uid: 'whqtswO00WBw418f9t5JxYwZ',
    });
  });
  it('rejects malformed numbers instead of returning a wrong one', () => {
    for (const bad of ['', 'x 1', '1', '-1 5', '1.5 2', '1 2e3', '99999999999999999 1', '1 0x10']) {
      assert.throws(() => parseListLine(bad), Pop3ProtocolError, bad);
    }
    assert.throws(() => parseStat('ten 20'), Pop3ProtocolError);
    assert.throws(() => parseListLine('0 10'), Pop3ProtocolError);
  });
  it('rejects UIDL lines without a UID or with an oversized one', () => {
    assert.throws(() => parseUidlLine('1'), Pop3ProtocolError);
    assert.throws(() => parseUidlLine(`1 ${'u'.repeat(513)}`), Pop3ProtocolError);
  });
});

describe('CAPA', () => {
  it('maps upper-cased names to their arguments', () => {
    const map = parseCapabilities([
      'TOP',
      'sasl PLAIN SCRAM-SHA-256',
      'EXPIRE NEVER',
      'LOGIN-DELAY 900',
      'PIPELINING',
    ]);
    assert.deepEqual(map.SASL, ['PLAIN', 'SCRAM-SHA-256']);
    assert.deepEqual(map.TOP, []);
    const caps = describeCapabilities(map);
    assert.equal(caps.pipelining, true);
    assert.equal(caps.stls, false);
    assert.equal(caps.expire, 'never');
    assert.equal(caps.loginDelay, 900);
    assert.deepEqual(caps.sasl, ['PLAIN', 'SCRAM-SHA-256']);
  });
  it('rejects a CAPA reply with too many lines', () => {
    assert.throws(
      () => parseCapabilities(Array.from({ length: 1001 }, (_, i) => `X${i}`)),
      Pop3ProtocolError,
    );
  });
});

describe('command encoder', () => {
  it('encodes verbs and arguments with CRLF', () => {
    assert.equal(encodeCommand('RETR', [1]).toString(), 'RETR 1\r\n');
    assert.equal(encodeCommand('TOP', [3, 0]).toString(), 'TOP 3 0\r\n');
    assert.equal(encodeCommand('USER', ['jürgen']).toString('utf8'), 'USER jürgen\r\n');
  });
  it('refuses CR, LF and NUL in any argument without echoing it', () => {
    for (const bad of ['a\r\nDELE 1', 'a\nb', 'a\rb', 'a\0b']) {
      assert.throws(
        () => encodeCommand('PASS', [bad]),
        (error: Error) => error instanceof Pop3SecurityError && !error.message.includes(bad),
      );
    }
  });
  it('enforces the 255-octet limit of RFC 2449 including CRLF', () => {
    assert.equal(encodeCommand('USER', ['u'.repeat(248)]).length, 255);
    assert.throws(() => encodeCommand('USER', ['u'.repeat(249)]), RangeError);
  });
  it('refuses non-integer numeric arguments', () => {
    assert.throws(() => encodeCommand('RETR', [1.5]), TypeError);
    assert.throws(() => encodeCommand('RETR', [-1]), TypeError);
    assert.throws(() => encodeCommand('RETR', [Number.NaN]), TypeError);
  });
});

describe('APOP timestamp', () => {
  it('finds the RFC 1939 example timestamp', () => {
    assert.equal(
      extractApopTimestamp('POP3 server ready <1896.697170952@dbc.mtview.ca.us>'),
      '<1896.697170952@dbc.mtview.ca.us>',
    );
  });
  it('refuses timestamps that are not msg-ids', () => {
    for (const bad of [
      'no timestamp',
      '<>',
      '<abc>',
      '<a@>',
      '<@b>',
      '<a b@c>',
      '<a@b@c>',
      '<a@b',
      '<a\u00e9@b>',
    ]) {
      assert.equal(extractApopTimestamp(bad), undefined, bad);
    }
  });
  // poplib's test_apop_REDOS: a backtracking scan would not finish; the timeout only stops a hang.
  it('scans a 1 MB hostile greeting without backtracking', { timeout: 10_000 }, () => {
    assert.equal(extractApopTimestamp(`<${'<'.repeat(1_000_000)}`), undefined);
    assert.equal(extractApopTimestamp(`+OK ${'<'.repeat(1_000_000)}a@b>`), undefined);
    assert.equal(extractApopTimestamp(`+OK <1.2@h> ${'>'.repeat(1_000_000)}`), '<1.2@h>');
  });
});
