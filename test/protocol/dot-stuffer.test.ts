import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BodyDecoder } from '../../src/protocol/body-decoder.js';
import { DotStuffer, dotStuff } from '../../src/protocol/dot-stuffer.js';
import { chunkings } from '../helpers/chunkings.js';

function stuffChunks(chunks: Buffer[]): Buffer {
  const stuffer = new DotStuffer();
  const out = chunks.map((chunk) => Buffer.from(stuffer.push(chunk)));
  return Buffer.concat([...out, stuffer.end()]);
}

/** Decodes a whole wire body with the client's decoder; returns the body and any bytes after it. */
function unstuff(wire: Buffer, cuts: number[] = []): { body: Buffer; rest: Buffer } {
  const decoder = new BodyDecoder();
  const parts: Buffer[] = [];
  const edges = [0, ...cuts.filter((c) => c > 0 && c < wire.length).sort((a, b) => a - b), wire.length];
  for (let i = 0; i + 1 < edges.length; i++) {
    const chunk = wire.subarray(edges[i], edges[i + 1]);
    const result = decoder.push(chunk);
    if (result.data) parts.push(Buffer.from(result.data));
    if (result.done) {
      return {
        body: Buffer.concat(parts),
        rest: Buffer.concat([chunk.subarray(result.end), wire.subarray(edges[i + 1])]),
      };
    }
  }
  throw new Error('decoder never found the terminator');
}

/** Cuts a buffer at the given offsets (sorted, deduplicated, in range). */
function cut(bytes: Buffer, cuts: number[]): Buffer[] {
  const edges = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const edge of [...edges, bytes.length]) {
    chunks.push(bytes.subarray(start, edge));
    start = edge;
  }
  return chunks;
}

const fixtures: { name: string; body: string; wire: string }[] = [
  { name: 'empty body', body: '', wire: '.\r\n' },
  { name: 'one line', body: 'hello\r\n', wire: 'hello\r\n.\r\n' },
  { name: 'leading dot on the first line', body: '.hidden\r\n', wire: '..hidden\r\n.\r\n' },
  { name: 'a line that is one dot', body: 'a\r\n.\r\nb\r\n', wire: 'a\r\n..\r\nb\r\n.\r\n' },
  { name: 'two dots', body: '..\r\n', wire: '...\r\n.\r\n' },
  { name: 'dots inside lines are left alone', body: 'a.b\r\nc..\r\n', wire: 'a.b\r\nc..\r\n.\r\n' },
  { name: 'bare LF lines keep their ends', body: 'a\n.b\n', wire: 'a\n..b\n.\r\n' },
  { name: 'no final line break', body: 'last line', wire: 'last line\r\n.\r\n' },
  { name: 'final dot without line break', body: 'a\r\n.', wire: 'a\r\n..\r\n.\r\n' },
  { name: 'bare CR is not a line start', body: 'a\r.b\r\n', wire: 'a\r.b\r\n.\r\n' },
  { name: 'eight-bit and NUL bytes', body: '\xff\x00.\r\n.\xe9\r\n', wire: '\xff\x00.\r\n..\xe9\r\n.\r\n' },
];

describe('DotStuffer', () => {
  for (const fixture of fixtures) {
    it(`stuffs ${fixture.name} at every chunk split`, () => {
      const body = Buffer.from(fixture.body, 'latin1');
      for (const { name, chunks } of chunkings(body)) {
        assert.equal(stuffChunks(chunks).toString('latin1'), fixture.wire, name);
      }
      assert.equal(dotStuff(body).toString('latin1'), fixture.wire);
    });
  }

  it('stuffs a dot that starts a chunk right after a chunk ending in LF', () => {
    assert.equal(stuffChunks([Buffer.from('a\r\n'), Buffer.from('.b\r\n')]).toString(), 'a\r\n..b\r\n.\r\n');
  });

  it('does not stuff a dot that starts a chunk in the middle of a line', () => {
    assert.equal(stuffChunks([Buffer.from('a'), Buffer.from('.b\r\n')]).toString(), 'a.b\r\n.\r\n');
  });

  it('hands back the chunk itself when nothing needs stuffing', () => {
    const chunk = Buffer.from('line one\r\nline two.\r\n');
    const stuffer = new DotStuffer();
    assert.equal(stuffer.push(chunk), chunk);
  });

  it('is ready for a new body after end()', () => {
    const stuffer = new DotStuffer();
    stuffer.push(Buffer.from('no break'));
    assert.equal(stuffer.end().toString(), '\r\n.\r\n');
    assert.equal(stuffer.push(Buffer.from('.x\r\n')).toString(), '..x\r\n');
    assert.equal(stuffer.end().toString(), '.\r\n');
  });

  it('round-trips any body through the client decoder across any chunk splits', () => {
    // Bodies drawn mostly from the bytes that matter to framing, so dots land at line starts.
    const byte = fc.oneof(fc.constantFrom(0x2e, 0x0d, 0x0a), fc.integer({ min: 0, max: 255 }));
    const body = fc.array(byte, { maxLength: 200 }).map((bytes) => Buffer.from(bytes));
    const cuts = fc.array(fc.nat({ max: 400 }), { maxLength: 8 });
    fc.assert(
      fc.property(body, cuts, cuts, (input, stuffCuts, wireCuts) => {
        const wire = stuffChunks(cut(input, stuffCuts));
        const next = Buffer.from('+OK next\r\n');
        const decoded = unstuff(Buffer.concat([wire, next]), wireCuts);
        // A body whose last line lacks a line break gains the CRLF that ends it (RFC 1939 §3).
        const endsAtLineStart = input.length === 0 || input[input.length - 1] === 0x0a;
        const expected = endsAtLineStart ? input : Buffer.concat([input, Buffer.from('\r\n')]);
        assert.deepEqual(decoded.body, expected);
        assert.deepEqual(decoded.rest, next);
      }),
      { numRuns: 2000 },
    );
  });
});
