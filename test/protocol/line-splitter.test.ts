import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pop3ProtocolError } from '../../src/errors.js';
import { LineSplitter } from '../../src/protocol/line-splitter.js';
import { chunkings } from '../helpers/chunkings.js';

function splitAll(splitter: LineSplitter, chunks: Buffer[]): string[] {
  const lines: string[] = [];
  for (const chunk of chunks) {
    let offset = 0;
    for (;;) {
      const found = splitter.next(chunk, offset);
      if (!found) break;
      lines.push(found.line.toString('latin1'));
      offset = found.end;
    }
  }
  return lines;
}

describe('LineSplitter', () => {
  it('splits CRLF and bare LF lines at every chunk split', () => {
    const wire = Buffer.from('+OK ready\r\n1 120\n\r\n2 \xff\r\n.\r\n', 'latin1');
    for (const { name, chunks } of chunkings(wire)) {
      assert.deepEqual(splitAll(new LineSplitter(), chunks), ['+OK ready', '1 120', '', '2 \xff', '.'], name);
    }
  });

  it('keeps a partial line until its end arrives', () => {
    const splitter = new LineSplitter();
    assert.equal(splitter.next(Buffer.from('+OK par')), undefined);
    assert.equal(splitter.pending, true);
    const found = splitter.next(Buffer.from('tial\r\nrest'));
    assert.equal(found?.line.toString(), '+OK partial');
    assert.equal(found?.end, 6);
  });

  it('rejects an endless line once it passes the cap, across chunks', () => {
    const splitter = new LineSplitter(64);
    assert.equal(splitter.next(Buffer.alloc(40, 0x61)), undefined);
    assert.throws(() => splitter.next(Buffer.alloc(40, 0x61)), Pop3ProtocolError);
  });

  it('rejects an overlong line that arrives whole', () => {
    assert.throws(() => new LineSplitter(16).next(Buffer.from(`${'x'.repeat(17)}\r\n`)), Pop3ProtocolError);
  });

  it('accepts a line exactly at the cap', () => {
    assert.equal(new LineSplitter(16).next(Buffer.from(`${'x'.repeat(16)}\r\n`))?.line.length, 16);
  });

  it('forgets buffered bytes on reset', () => {
    const splitter = new LineSplitter();
    splitter.next(Buffer.from('injected'));
    splitter.reset();
    assert.equal(splitter.next(Buffer.from('+OK\r\n'))?.line.toString(), '+OK');
  });
});
