import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BodyDecoder } from '../../src/protocol/body-decoder.js';
import { chunkings } from '../helpers/chunkings.js';

/** Feeds chunks until the terminator; returns the body and the bytes that followed it. */
function decode(
  chunks: Buffer[],
  options?: { acceptBareLf?: boolean },
): { body: Buffer; rest: Buffer; done: boolean } {
  const decoder = new BodyDecoder(options);
  const body: Buffer[] = [];
  const rest: Buffer[] = [];
  let done = false;
  for (const chunk of chunks) {
    if (done) {
      rest.push(chunk);
      continue;
    }
    const result = decoder.push(chunk);
    if (result.data) body.push(Buffer.from(result.data));
    if (result.done) {
      done = true;
      rest.push(chunk.subarray(result.end));
    }
  }
  return { body: Buffer.concat(body), rest: Buffer.concat(rest), done };
}

/** Dot-stuffs a body and appends the terminator, as a server does (RFC 1939 §3). */
function stuff(body: Buffer): Buffer {
  const lines = body.toString('latin1').split('\n');
  const stuffed = lines.map((line) => (line.startsWith('.') ? `.${line}` : line)).join('\n');
  const needsEol = body.length > 0 && !body.toString('latin1').endsWith('\n');
  return Buffer.from(`${stuffed}${needsEol ? '\r\n' : ''}.\r\n`, 'latin1');
}

const fixtures: { name: string; wire: string; body: string }[] = [
  { name: 'empty body', wire: '.\r\n', body: '' },
  { name: 'one line', wire: 'hello\r\n.\r\n', body: 'hello\r\n' },
  { name: 'stuffed dot line', wire: '..\r\n.\r\n', body: '.\r\n' },
  { name: 'stuffed double dot line', wire: '...\r\n.\r\n', body: '..\r\n' },
  { name: 'stuffed text line', wire: 'a\r\n..b\r\n.\r\n', body: 'a\r\n.b\r\n' },
  { name: 'dot not at line start', wire: 'a.b\r\nc..\r\n.\r\n', body: 'a.b\r\nc..\r\n' },
  { name: 'unstuffed dot text kept', wire: '.x\r\n.\r\n', body: '.x\r\n' },
  { name: 'bare LF lines', wire: 'a\n..b\n.\n', body: 'a\n.b\n' },
  { name: 'empty lines', wire: '\r\n\r\n.\r\n', body: '\r\n\r\n' },
  { name: 'dot CR without LF is data', wire: '.\rx\r\n.\r\n', body: '.\rx\r\n' },
  { name: 'eight-bit and NUL bytes', wire: 'caf\xe9\x00\xff\r\n.\r\n', body: 'caf\xe9\x00\xff\r\n' },
];

describe('BodyDecoder', () => {
  for (const fixture of fixtures) {
    it(`decodes ${fixture.name} at every chunk split`, () => {
      const next = '+OK next reply\r\n';
      const wire = Buffer.from(fixture.wire + next, 'latin1');
      for (const { name, chunks } of chunkings(wire)) {
        const result = decode(chunks);
        assert.equal(result.done, true, name);
        assert.equal(result.body.toString('latin1'), fixture.body, name);
        assert.equal(result.rest.toString('latin1'), next, name);
      }
    });
  }

  it('does not finish on a body without terminator', () => {
    const result = decode([Buffer.from('abc\r\n..\r\n')]);
    assert.equal(result.done, false);
    assert.equal(result.body.toString(), 'abc\r\n.\r\n');
  });

  it('treats .LF as data when bare LF terminators are off', () => {
    const result = decode([Buffer.from('.\n.\r\n')], { acceptBareLf: false });
    assert.equal(result.done, true);
    assert.equal(result.body.toString(), '.\n');
  });

  it('hands out a view, not a copy, when nothing is unstuffed', () => {
    const chunk = Buffer.from('line one\r\nline two\r\n');
    const result = new BodyDecoder().push(chunk);
    assert.ok(result.data);
    assert.equal(result.data.buffer, chunk.buffer);
    assert.equal(result.data.byteOffset, chunk.byteOffset);
  });

  it('decodes any dot-stuffed body cut into any chunks, leaving the following bytes intact', () => {
    const line = fc
      .array(fc.constantFrom('.', '..', 'a', ' ', '\r', '\x00', '\xff', 'From '), { maxLength: 6 })
      .map((parts) => parts.join(''));
    const body = fc
      .array(fc.tuple(line, fc.constantFrom('\r\n', '\n')), { maxLength: 12 })
      .map((lines) =>
        Buffer.from(lines.map(([text, eol]) => text.replace(/\r$/, '') + eol).join(''), 'latin1'),
      );
    fc.assert(
      fc.property(
        body,
        fc.uint8Array({ maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (bodyBytes, tail, cuts) => {
          const wire = Buffer.concat([stuff(bodyBytes), Buffer.from(tail)]);
          const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let from = 0;
          for (const point of points) {
            chunks.push(wire.subarray(from, point));
            from = point;
          }
          chunks.push(wire.subarray(from));
          const result = decode(chunks);
          assert.equal(result.done, true);
          assert.deepEqual(result.body, bodyBytes);
          assert.deepEqual(result.rest, Buffer.from(tail));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
