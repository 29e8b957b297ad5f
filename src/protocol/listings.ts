import { Pop3ProtocolError } from '../errors.js';
import { MAX_UID_LENGTH } from './constants.js';

export interface MessageSize {
  readonly msg: number;
  readonly size: number;
}
export interface MessageUid {
  readonly msg: number;
  readonly uid: string;
}
export interface MaildropStat {
  readonly count: number;
  readonly size: number;
}

const DIGITS = /^[0-9]{1,15}$/;

function parseNumber(word: string | undefined, what: string, context: string): number {
  if (word === undefined || !DIGITS.test(word)) {
    throw new Pop3ProtocolError(`malformed ${what} in ${context} reply`);
  }
  return Number(word);
}

/** Splits on runs of spaces/tabs; RFC 1939 says one space, some servers send more. */
function words(text: string): string[] {
  return text.trim().split(/[ \t]+/);
}

/** STAT: "+OK nn mm" (RFC 1939 §5). Anything after the two numbers is ignored. */
export function parseStat(text: string): MaildropStat {
  const [count, size] = words(text);
  return { count: parseNumber(count, 'message count', 'STAT'), size: parseNumber(size, 'size', 'STAT') };
}

/** One LIST scan line, or the text of a single "+OK n size" LIST reply. */
export function parseListLine(text: string): MessageSize {
  const [msg, size] = words(text);
  const result = { msg: parseNumber(msg, 'message number', 'LIST'), size: parseNumber(size, 'size', 'LIST') };
  if (result.msg === 0) throw new Pop3ProtocolError('message number 0 in LIST reply');
  return result;
}

/** One UIDL line, or a single "+OK n uid" reply. UIDs stay opaque text (RFC 1939 §7). */
export function parseUidlLine(text: string): MessageUid {
  const [msg, uid] = words(text);
  const number = parseNumber(msg, 'message number', 'UIDL');
  if (number === 0) throw new Pop3ProtocolError('message number 0 in UIDL reply');
  if (uid === undefined || uid.length === 0) throw new Pop3ProtocolError('UIDL line without a UID');
  if (uid.length > MAX_UID_LENGTH)
    throw new Pop3ProtocolError(`UID longer than ${MAX_UID_LENGTH} characters`);
  return { msg: number, uid };
}
