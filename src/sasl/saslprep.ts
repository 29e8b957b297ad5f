/**
 * SASLprep (RFC 4013), the stringprep profile (RFC 3454) applied to SCRAM passwords
 * (RFC 5802 §2.2) and to PLAIN passwords on the server (RFC 4616 §2).
 *
 * What is covered:
 * - §2.1 mapping, exactly: non-ASCII spaces (table C.1.2) become U+0020, then the "commonly
 *   mapped to nothing" characters (table B.1) are removed.
 * - §2.2 normalization: NFKC, with the Unicode version of the running Node rather than 3.2
 *   (the two differ only for characters assigned after 2002).
 * - §2.3 prohibited output, exactly: tables C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7,
 *   C.8 and C.9.
 * - §2.4 bidi (RFC 3454 §6): RandALCat is table D.1 exactly; LCat (table D.2, ~360 ranges)
 *   is approximated as letters and spacing marks outside the right-to-left scripts.
 * - §2.5 unassigned code points: allowed by default (the "query" rule, right for a password
 *   being sent); `allowUnassigned: false` rejects them using the running Unicode version's
 *   unassigned set (general category Cn) instead of table A.1.
 */

type Range = readonly [number, number];

// RFC 3454 table C.1.2 (non-ASCII space characters).
const NON_ASCII_SPACE: readonly Range[] = [
  [0x00a0, 0x00a0],
  [0x1680, 0x1680],
  [0x2000, 0x200b],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];

// RFC 3454 table B.1 (commonly mapped to nothing).
const MAPPED_TO_NOTHING: readonly Range[] = [
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x1806, 0x1806],
  [0x180b, 0x180d],
  [0x200b, 0x200d],
  [0x2060, 0x2060],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
];

// RFC 3454 tables C.2.1 to C.9, minus C.4's "xFFFE-xFFFF of every plane", tested arithmetically.
const PROHIBITED: readonly Range[] = [
  ...NON_ASCII_SPACE, // C.1.2
  [0x0000, 0x001f], // C.2.1
  [0x007f, 0x007f],
  [0x0080, 0x009f], // C.2.2
  [0x06dd, 0x06dd],
  [0x070f, 0x070f],
  [0x180e, 0x180e],
  [0x200c, 0x200d],
  [0x2028, 0x2029],
  [0x2060, 0x2063],
  [0x206a, 0x206f],
  [0xfeff, 0xfeff],
  [0xfff9, 0xfffc],
  [0x1d173, 0x1d17a],
  [0xe000, 0xf8ff], // C.3
  [0xf0000, 0xffffd],
  [0x100000, 0x10fffd],
  [0xfdd0, 0xfdef], // C.4
  [0xd800, 0xdfff], // C.5 (a lone surrogate in a JS string)
  [0xfff9, 0xfffd], // C.6
  [0x2ff0, 0x2ffb], // C.7
  [0x0340, 0x0341], // C.8
  [0x200e, 0x200f],
  [0x202a, 0x202e],
  [0xe0001, 0xe0001], // C.9
  [0xe0020, 0xe007f],
];

// RFC 3454 table D.1 (characters with bidi property R or AL).
const RAND_AL_CAT: readonly Range[] = [
  [0x05be, 0x05be],
  [0x05c0, 0x05c0],
  [0x05c3, 0x05c3],
  [0x05d0, 0x05ea],
  [0x05f0, 0x05f4],
  [0x061b, 0x061b],
  [0x061f, 0x061f],
  [0x0621, 0x063a],
  [0x0640, 0x064a],
  [0x066d, 0x066f],
  [0x0671, 0x06d5],
  [0x06dd, 0x06dd],
  [0x06e5, 0x06e6],
  [0x06fa, 0x06fe],
  [0x0700, 0x070d],
  [0x0710, 0x0710],
  [0x0712, 0x072c],
  [0x0780, 0x07a5],
  [0x07b1, 0x07b1],
  [0x200f, 0x200f],
  [0xfb1d, 0xfb1d],
  [0xfb1f, 0xfb28],
  [0xfb2a, 0xfb36],
  [0xfb38, 0xfb3c],
  [0xfb3e, 0xfb3e],
  [0xfb40, 0xfb41],
  [0xfb43, 0xfb44],
  [0xfb46, 0xfbb1],
  [0xfbd3, 0xfd3d],
  [0xfd50, 0xfd8f],
  [0xfd92, 0xfdc7],
  [0xfdf0, 0xfdfc],
  [0xfe70, 0xfe74],
  [0xfe76, 0xfefc],
];

/** Approximates table D.2: strong left-to-right is most letters outside the RTL scripts. */
const LETTER = /^[\p{L}\p{Mc}]$/u;
const RTL_SCRIPT =
  /^[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Adlam}\p{Script=Hanifi_Rohingya}]$/u;
const UNASSIGNED = /^\p{Cn}$/u;

function inRanges(cp: number, ranges: readonly Range[]): boolean {
  return ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
}

function isProhibited(cp: number): boolean {
  return (cp & 0xfffe) === 0xfffe || inRanges(cp, PROHIBITED);
}

function isRandAL(cp: number): boolean {
  return inRanges(cp, RAND_AL_CAT);
}

function isL(char: string, cp: number): boolean {
  return LETTER.test(char) && !RTL_SCRIPT.test(char) && !isRandAL(cp);
}

export interface SaslprepOptions {
  /** RFC 4013 §2.5: unassigned code points are allowed in queries (default), not in stored strings. */
  readonly allowUnassigned?: boolean | undefined;
}

/**
 * Prepares a string with SASLprep. Throws a TypeError naming the rule that failed, never the
 * input (it is usually a password).
 */
export function saslprep(input: string, options: SaslprepOptions = {}): string {
  const mapped: string[] = [];
  for (const char of input) {
    const cp = char.codePointAt(0)!;
    if (inRanges(cp, NON_ASCII_SPACE)) mapped.push(' ');
    else if (!inRanges(cp, MAPPED_TO_NOTHING)) mapped.push(char);
  }
  const normalized = mapped.join('').normalize('NFKC');
  const chars = Array.from(normalized);
  let hasRandAL = false;
  let hasL = false;
  for (const char of chars) {
    const cp = char.codePointAt(0)!;
    if (isProhibited(cp)) throw new TypeError('SASLprep: prohibited character (RFC 4013 §2.3)');
    if (options.allowUnassigned === false && UNASSIGNED.test(char)) {
      throw new TypeError('SASLprep: unassigned code point (RFC 4013 §2.5)');
    }
    if (isRandAL(cp)) hasRandAL = true;
    else if (isL(char, cp)) hasL = true;
  }
  if (hasRandAL) {
    const first = chars[0]!.codePointAt(0)!;
    const last = chars[chars.length - 1]!.codePointAt(0)!;
    if (hasL || !isRandAL(first) || !isRandAL(last)) {
      throw new TypeError('SASLprep: mixes right-to-left and left-to-right text (RFC 4013 §2.4)');
    }
  }
  return normalized;
}
