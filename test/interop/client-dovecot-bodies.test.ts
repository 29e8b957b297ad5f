// Message bodies from a real Dovecot, compared byte for byte with the Maildir files.
//
// What Dovecot 2.3 sends for a Maildir file (checked here, see `dovecotSends`):
// - every bare LF becomes CRLF; a CR not followed by LF is sent as is;
// - 8-bit bytes and NUL are sent unchanged;
// - a file whose last line has no line end gets a CRLF, so that the terminating dot has a line
//   of its own; an empty file is sent as one empty line ("\r\n");
// - LIST and STAT count the CRLF-normalised size without that added CRLF (0 for an empty file).
import assert from 'node:assert/strict';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { Pop3Client } from '../../src/index.js';
import { type DovecotInstance, dovecotSkipReason, startDovecot } from '../helpers/dovecot.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Every byte but CR, LF and NUL: controls, DEL and all of 0x80-0xFF. */
const EIGHT_BIT = Buffer.from(
  Array.from({ length: 256 }, (_, b) => b).filter((b) => b !== 0 && b !== 10 && b !== 13),
);

const FILES: ReadonlyArray<{ name: string; file: Buffer }> = [
  {
    name: 'a body with every 8-bit and control byte',
    file: Buffer.concat([
      bytes('Subject: =?ISO-8859-1?Q?caf=E9?=\r\nContent-Transfer-Encoding: 8bit\r\n\r\ncaf\xe9 '),
      Buffer.from('🙂 ünïcödé\r\n', 'utf8'),
      EIGHT_BIT,
      bytes('\r\n'),
    ]),
  },
  { name: 'a body with NUL bytes', file: bytes('Subject: nul\r\n\r\na\0b\r\n\0\r\n\0\0\0 end\r\n') },
  {
    name: 'lines that are "." or start with "."',
    file: bytes('Subject: dots\r\n\r\n.\r\n..\r\n...\r\n.x\r\n. \r\nmiddle\r\n.\r\n'),
  },
  { name: 'a 100 000-octet line', file: bytes(`Subject: long\r\n\r\n${'x'.repeat(100_000)}\r\nshort\r\n`) },
  { name: 'an empty file', file: bytes('') },
  { name: 'headers and an empty body', file: bytes('Subject: empty body\r\n\r\n') },
  { name: 'headers without a blank line', file: bytes('Subject: headers only\r\nX-A: b\r\n') },
  { name: 'bare LF line ends', file: bytes('Subject: lf\n\n.\n..x\ncaf\xe9\n\nend\n') },
  { name: 'mixed CRLF, bare LF and a lone CR', file: bytes('A: 1\r\nB: 2\n\r\nx\ry\nz\r\n\n') },
  { name: 'no line end after the last line', file: bytes('Subject: unterminated\r\n\r\nlast line') },
];

/** The CRLF-normalised file: what LIST counts. */
function normalised(file: Buffer): Buffer {
  return bytes(file.toString('latin1').replace(/(?<!\r)\n/g, '\r\n'));
}

/** What RETR returns for a Maildir file (see the top of this file). */
function dovecotSends(file: Buffer): Buffer {
  const text = normalised(file);
  return text.length > 0 && text.at(-1) === 10 ? text : Buffer.concat([text, bytes('\r\n')]);
}

const skip = dovecotSkipReason();
describe('Pop3Client against Dovecot: message bodies byte for byte', { skip }, () => {
  let dovecot: DovecotInstance;
  let client: Pop3Client;
  /** The Maildir files in POP3 order, as they are on disk. */
  const stored = () => dovecot.messages('alice').map((m) => m.bytes);

  before(async () => {
    const instance = await startDovecot();
    assert.ok(instance, 'startDovecot returned undefined although dovecot is installed');
    dovecot = instance;
    for (const { file } of FILES) dovecot.addMessage('alice', file);
    client = await Pop3Client.connect({
      host: dovecot.host,
      port: dovecot.port,
      tls: { ca: dovecot.caPem },
      auth: { user: 'alice', pass: 'alice-pass', mechanism: 'USER' },
    });
  });

  after(async () => {
    await client?.quit();
    await dovecot?.stop();
  });

  it('finds the files in the Maildir as they were delivered', () => {
    assert.deepEqual(
      stored(),
      FILES.map((f) => f.file),
    );
  });

  for (const [i, { name, file }] of FILES.entries()) {
    it(`RETR returns ${name} as the Maildir file, line ends aside`, async () => {
      assert.deepEqual(await client.retr(i + 1), dovecotSends(stored()[i] ?? file));
    });
  }

  it('sends bare LF files with CRLF', async () => {
    const msg = FILES.findIndex((f) => f.name === 'bare LF line ends') + 1;
    assert.equal(
      (await client.retr(msg)).toString('latin1'),
      'Subject: lf\r\n\r\n.\r\n..x\r\ncaf\xe9\r\n\r\nend\r\n',
    );
    assert.equal((await client.top(msg, 0)).toString('latin1'), 'Subject: lf\r\n\r\n');
    assert.equal((await client.top(msg, 2)).toString('latin1'), 'Subject: lf\r\n\r\n.\r\n..x\r\n');
  });

  it('sends an empty file as one empty line, and a last line without line end with CRLF', async () => {
    const empty = FILES.findIndex((f) => f.name === 'an empty file') + 1;
    const unterminated = FILES.findIndex((f) => f.name === 'no line end after the last line') + 1;
    assert.equal((await client.retr(empty)).toString('latin1'), '\r\n');
    assert.equal(
      (await client.retr(unterminated)).toString('latin1'),
      'Subject: unterminated\r\n\r\nlast line\r\n',
    );
  });

  it('LIST and STAT count the CRLF-normalised files', async () => {
    const sizes = stored().map((file, i) => ({ msg: i + 1, size: normalised(file).length }));
    assert.deepEqual(await client.list(), sizes);
    const total = sizes.reduce((sum, s) => sum + s.size, 0);
    assert.deepEqual(await client.stat(), { count: FILES.length, size: total });
  });

  it('retrStream returns the same bytes as RETR for every file', async () => {
    for (const [i, file] of stored().entries()) {
      const stream = await client.retrStream(i + 1);
      assert.deepEqual(await buffer(stream), dovecotSends(file), FILES[i]?.name);
    }
  });

  it('retrMany returns every file, pipelined, in order', async () => {
    const expected = stored().map((file, i) => ({ msg: i + 1, data: dovecotSends(file) }));
    const got: Array<{ msg: number; data: Buffer }> = [];
    for await (const item of client.retrMany(expected.map((e) => e.msg))) got.push(item);
    assert.deepEqual(got, expected);
  });

  it('TOP n 0 returns the header block of each file, line ends aside', async () => {
    for (const [i, file] of stored().entries()) {
      const text = dovecotSends(file).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      // Without a blank line the whole message is headers.
      const headers = end < 0 ? text : text.slice(0, end + 4);
      assert.equal((await client.top(i + 1, 0)).toString('latin1'), headers, FILES[i]?.name);
    }
  });
});
