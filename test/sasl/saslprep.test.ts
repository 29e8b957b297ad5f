import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { saslprep } from '../../src/sasl/saslprep.js';

describe('SASLprep, RFC 4013 §3 examples', () => {
  it('maps SOFT HYPHEN to nothing (#1)', () => assert.equal(saslprep('I\u00ADX'), 'IX'));
  it('leaves user alone (#2)', () => assert.equal(saslprep('user'), 'user'));
  it('preserves case (#3)', () => assert.equal(saslprep('USER'), 'USER'));
  it('NFKC-normalizes U+00AA to a (#4)', () => assert.equal(saslprep('\u00AA'), 'a'));
  it('NFKC-normalizes U+2168 to IX (#5)', () => assert.equal(saslprep('\u2168'), 'IX'));
  it('rejects U+0007 (#6)', () => assert.throws(() => saslprep('\u0007'), /prohibited/));
  it('rejects U+0627 U+0031 in the bidi check (#7)', () =>
    assert.throws(() => saslprep('\u0627\u0031'), /right-to-left/));
});

describe('SASLprep, other rules', () => {
  it('maps non-ASCII spaces to SPACE (table C.1.2)', () => {
    assert.equal(saslprep('a\u00A0b\u2003c\u3000d'), 'a b c d');
  });

  it('maps ZERO WIDTH SPACE, listed in both C.1.2 and B.1, to SPACE (§2.1 lists spaces first)', () => {
    assert.equal(saslprep('a\u200Bb'), 'a b');
  });

  it('removes the commonly-mapped-to-nothing characters (table B.1)', () => {
    assert.equal(saslprep('p\u200Ca\u200Ds\uFEFFs\uFE0F'), 'pass');
  });

  for (const [label, char] of [
    ['DEL (C.2.1)', '\u007F'],
    ['a C1 control (C.2.2)', '\u0085'],
    ['LINE SEPARATOR (C.2.2)', '\u2028'],
    ['private use (C.3)', '\uE000'],
    ['a plane-15 private use character (C.3)', '\u{F0000}'],
    ['a non-character (C.4)', '\uFDD0'],
    ['a plane-1 non-character (C.4)', '\u{1FFFE}'],
    ['a lone surrogate (C.5)', '\uD800'],
    ['REPLACEMENT CHARACTER (C.6)', '\uFFFD'],
    ['an ideographic description character (C.7)', '\u2FF0'],
    ['LEFT-TO-RIGHT MARK (C.8)', '\u200E'],
    ['a tagging character (C.9)', '\u{E0041}'],
  ] as const) {
    it(`rejects ${label}`, () => assert.throws(() => saslprep(`ab${char}cd`), /prohibited/));
  }

  it('accepts right-to-left text that starts and ends with RandALCat', () => {
    assert.equal(saslprep('\u05D0\u05D1 1 \u05D2'), '\u05D0\u05D1 1 \u05D2');
  });

  it('rejects right-to-left text mixed with a Latin letter', () => {
    assert.throws(() => saslprep('\u05D0a\u05D1'), /right-to-left/);
  });

  it('allows unassigned code points unless told they are stored strings (§2.5)', () => {
    assert.equal(saslprep('a\u0378b'), 'a\u0378b');
    assert.throws(() => saslprep('a\u0378b', { allowUnassigned: false }), /unassigned/);
  });

  it('never puts the input in the error message', () => {
    assert.throws(
      () => saslprep('hunter2\u0007'),
      (error: Error) => error instanceof TypeError && !error.message.includes('hunter2'),
    );
  });
});
