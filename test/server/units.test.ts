import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CrlfNormaliser, LfConverter, wireSize } from '../../src/protocol/line-ends.js';
import { TopFilter } from '../../src/server/top-filter.js';
import { parseUsersFile } from '../../src/server/users-file.js';
import { chunkings } from '../helpers/chunkings.js';

function run<T extends { push(chunk: Buffer): Buffer }>(converter: T, chunks: Buffer[]): string {
  return Buffer.concat(chunks.map((c) => Buffer.from(converter.push(c)))).toString('latin1');
}

function top(lines: number, chunks: Buffer[]): string {
  const filter = new TopFilter(lines);
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    const { data, done } = filter.push(chunk);
    out.push(Buffer.from(data));
    if (done) break;
  }
  return Buffer.concat(out).toString('latin1');
}

describe('line ends on the way out', () => {
  const cases: [string, string][] = [
    ['', ''],
    ['a\nb\n', 'a\r\nb\r\n'],
    ['a\r\nb\r\n', 'a\r\nb\r\n'],
    ['\n\n', '\r\n\r\n'],
    ['lone\rcr\n', 'lone\rcr\r\n'],
    ['mixed\r\nand\nbare\r\r\n', 'mixed\r\nand\r\nbare\r\r\n'],
  ];
  for (const [input, expected] of cases) {
    it(`turns bare LF into CRLF in ${JSON.stringify(input)} at every split`, () => {
      for (const { name, chunks } of chunkings(Buffer.from(input, 'latin1'))) {
        assert.equal(run(new CrlfNormaliser(), chunks), expected, name);
      }
      assert.equal(wireSize(Buffer.from(input, 'latin1')), Buffer.byteLength(expected, 'latin1'));
    });
  }

  it('hands back the chunk itself when it holds no bare LF', () => {
    const chunk = Buffer.from('a\r\nb\r\n');
    assert.equal(new CrlfNormaliser().push(chunk), chunk);
  });

  it('wireSize equals the normalised length for any bytes', () => {
    const byte = fc.oneof(fc.constantFrom(0x0d, 0x0a), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 100 }), (bytes) => {
        const input = Buffer.from(bytes);
        assert.equal(wireSize(input), new CrlfNormaliser().push(input).length);
      }),
    );
  });

  it('turns CRLF into bare LF for the bareLf fault at every split', () => {
    const input = Buffer.from('+OK\r\nline\r\n\rx\r\n.\r\n', 'latin1');
    for (const { name, chunks } of chunkings(input)) {
      assert.equal(run(new LfConverter(), chunks), '+OK\nline\n\rx\n.\n', name);
    }
  });
});

describe('TopFilter (RFC 1939 §7 TOP)', () => {
  const message = 'From: a\r\nSubject: b\r\n\r\nline 1\r\nline 2\r\nline 3\r\n';
  const cases: [number, string][] = [
    [0, 'From: a\r\nSubject: b\r\n\r\n'],
    [1, 'From: a\r\nSubject: b\r\n\r\nline 1\r\n'],
    [2, 'From: a\r\nSubject: b\r\n\r\nline 1\r\nline 2\r\n'],
    [3, message],
    [10, message],
  ];
  for (const [lines, expected] of cases) {
    it(`cuts after the headers and ${lines} body lines at every split`, () => {
      for (const { name, chunks } of chunkings(Buffer.from(message))) {
        assert.equal(top(lines, chunks), expected, name);
      }
    });
  }

  it('sends a message without an empty line whole', () => {
    assert.equal(top(0, [Buffer.from('Subject: only\r\nX: y\r\n')]), 'Subject: only\r\nX: y\r\n');
  });

  it('handles a message that starts with the empty line', () => {
    for (const { name, chunks } of chunkings(Buffer.from('\r\nbody 1\r\nbody 2\r\n'))) {
      assert.equal(top(1, chunks), '\r\nbody 1\r\n', name);
    }
  });

  it('does not take a header line holding only CR CR as the empty line', () => {
    assert.equal(top(0, [Buffer.from('A: b\r\n\r\r\nC: d\r\n\r\nbody\r\n')]), 'A: b\r\n\r\r\nC: d\r\n\r\n');
  });
});

describe('users file', () => {
  it('reads user:password lines, comments and Dovecot passwd-file lines', () => {
    const users = parseUsersFile(
      [
        '# test users',
        'alice:secret',
        '',
        '  # indented comment',
        'bob:pass:with:colons',
        'carol:{PLAIN}pw:1000:1000::/home/carol::userdb_mail=maildir:~/Maildir',
        'dave:{CLEARTEXT}x',
        'erin:\r',
      ].join('\n'),
    );
    assert.deepEqual(
      [...users],
      [
        ['alice', 'secret'],
        ['bob', 'pass:with:colons'],
        ['carol', 'pw'],
        ['dave', 'x'],
        ['erin', ''],
      ],
    );
  });

  it('names the line of a malformed entry without showing it', () => {
    assert.throws(
      () => parseUsersFile('alice:ok\nno-colon-secret\n'),
      /^Error: users file line 2: expected user:password$/,
    );
    assert.throws(() => parseUsersFile('a:{SHA512-CRYPT}$6$x'), /scheme \{SHA512-CRYPT\} is not supported/);
    assert.throws(() => parseUsersFile('a:1\na:2'), /appears twice/);
  });
});
