import { Pop3ProtocolError } from '../errors.js';
import { parseRespCode } from './resp-codes.js';

/** A parsed reply status line: "+OK", "-ERR" or the SASL continuation "+" (RFC 5034 §4). */
export type StatusLine =
  | { readonly kind: '+OK'; readonly text: string }
  | { readonly kind: '-ERR'; readonly text: string; readonly code: string | undefined }
  | { readonly kind: '+'; readonly text: string };

const MAX_SHOWN = 80;

/** Shows a hostile line in an error message without flooding logs or terminals. */
export function describeLine(line: Buffer): string {
  const shown = line
    .subarray(0, MAX_SHOWN)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(line.length > MAX_SHOWN ? `${shown}...` : shown);
}

function startsWithWord(line: Buffer, word: string): boolean {
  if (line.length < word.length) return false;
  if (line.toString('latin1', 0, word.length).toUpperCase() !== word) return false;
  return line.length === word.length || line[word.length] === 0x20;
}

/**
 * Parses one status line. Status words are matched case-insensitively, as real servers vary;
 * anything else is a protocol error, since the reply stream can no longer be trusted.
 * Text is decoded as UTF-8 (RFC 6856 servers may send it; older ones send ASCII).
 */
export function parseStatusLine(line: Buffer): StatusLine {
  if (startsWithWord(line, '+OK')) return { kind: '+OK', text: line.toString('utf8', 4) };
  if (startsWithWord(line, '-ERR')) {
    const text = line.toString('utf8', 5);
    return { kind: '-ERR', text, code: parseRespCode(text) };
  }
  if (line.length >= 1 && line[0] === 0x2b && (line.length === 1 || line[1] === 0x20)) {
    return { kind: '+', text: line.toString('latin1', 2) };
  }
  throw new Pop3ProtocolError(`malformed status line from server: ${describeLine(line)}`);
}
