// mboxrd quoting and CRLF -> LF, as pure byte transformations, over every chunk split.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  fromLine,
  MboxrdQuoter,
  mboxEntry,
  parseMboxrd,
  quoteMboxrd,
  unquoteMboxrd,
} from '../../src/fetch/mboxrd.js';
import { LfConverter, toLf } from '../../src/protocol/line-ends.js';

/** Feeds `input` in the given pieces through a push/end transformer. */
function inPieces(
  make: () => { push(b: Buffer): Buffer; end(): Buffer },
  input: Buffer,
  cuts: number[],
): Buffer {
  const t = make();
  const out: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < input.length)].sort((a, b) => a - b)) {
    out.push(t.push(input.subarray(from, cut)));
    from = cut;
  }
  out.push(t.push(input.subarray(from)), t.end());
  return Buffer.concat(out);
}

/** Text made of the characters that matter here, so From lines and CRLFs come up often. */
const mailish = fc
  .array(fc.constantFrom('From ', '>', 'From', ' ', 'x', '\r', '\n', '\r\n', 'Fr'), { maxLength: 60 })
  .map((parts) => Buffer.from(parts.join('')));
const cuts = fc.array(fc.nat({ max: 400 }), { maxLength: 6 });

describe('mboxrd quoting', () => {
  it('quotes /^>*From / lines with one more >', () => {
    const lf = Buffer.from('From me\nx\n>From a\n>>From b\nFrom\nFromage\n From x\n');
    assert.equal(quoteMboxrd(lf).toString(), '>From me\nx\n>>From a\n>>>From b\nFrom\nFromage\n From x\n');
  });

  it('round-trips any message: unquote(quote(m)) = m', () => {
    fc.assert(
      fc.property(mailish, (message) => {
        assert.deepEqual(unquoteMboxrd(quoteMboxrd(message)), message);
      }),
    );
  });

  it('quotes the same whatever the chunk split', () => {
    fc.assert(
      fc.property(mailish, cuts, (message, at) => {
        assert.deepEqual(
          inPieces(() => new MboxrdQuoter(), message, at),
          quoteMboxrd(message),
        );
      }),
    );
  });

  it('leaves no unquoted From line inside an entry, so parsing finds exactly the messages', () => {
    fc.assert(
      fc.property(fc.array(mailish, { maxLength: 5 }), (messages) => {
        const lf = messages.map((m) => toLf(m));
        const file = Buffer.concat(lf.map((m) => mboxEntry(m, new Date(0))));
        // A message without a final LF gets one: that is the only change.
        const expected = lf.map((m) =>
          m.length > 0 && m[m.length - 1] !== 0x0a ? Buffer.concat([m, Buffer.from('\n')]) : m,
        );
        assert.deepEqual(parseMboxrd(file), expected);
      }),
    );
  });

  it('writes the From_ line from Return-Path and the delivery time in asctime form', () => {
    const when = new Date(Date.UTC(2024, 0, 5, 7, 8, 9));
    assert.equal(
      fromLine(Buffer.from('Return-Path: <a@b.example>\n'), when).toString(),
      'From a@b.example Fri Jan  5 07:08:09 2024\n',
    );
    assert.equal(
      fromLine(Buffer.from('Return-Path: <>\n'), when).toString(),
      'From MAILER-DAEMON Fri Jan  5 07:08:09 2024\n',
    );
    assert.equal(
      fromLine(Buffer.from('Subject: x\n'), when).toString(),
      'From MAILER-DAEMON Fri Jan  5 07:08:09 2024\n',
    );
  });
});

describe('CRLF -> LF', () => {
  it('turns CRLF into LF and keeps a lone CR', () => {
    assert.equal(toLf(Buffer.from('a\r\nb\rc\n\r\n\r')).toString(), 'a\nb\rc\n\n\r');
  });

  it('gives the same bytes whatever the chunk split (a CR at a chunk end included)', () => {
    fc.assert(
      fc.property(mailish, cuts, (message, at) => {
        const whole = Buffer.from(message.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
        assert.deepEqual(
          inPieces(() => new LfConverter(), message, at),
          whole,
        );
      }),
    );
  });
});
