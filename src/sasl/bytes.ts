/** Small byte and text helpers shared by the client and server mechanisms. */

import { Pop3ProtocolError, Pop3SecurityError } from '../errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8, or returns undefined for invalid bytes (SASL messages are UTF-8, RFC 4422 §3.1). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Node's base64 decoder skips junk; SCRAM attributes must be canonical base64 (RFC 5802 §7). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeBase64Strict(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/**
 * Refuses a credential that contains a byte the mechanism uses as a separator (NUL in PLAIN,
 * ^A in XOAUTH2): it would let the value rewrite the message, for example switch the authzid.
 * Thrown before anything reaches the wire; the message names the field, never the value.
 */
export function assertNoSeparator(mechanism: string, field: string, value: string, separators: RegExp): void {
  if (separators.test(value)) {
    throw new Pop3SecurityError(
      `${mechanism}: ${field} contains a character the mechanism uses as a separator`,
    );
  }
}

/** A required credential is missing: misuse, reported before anything is sent. */
export function requireField(mechanism: string, field: string, value: string | undefined): string {
  if (value === undefined) throw new TypeError(`${mechanism} needs credentials.${field}`);
  return value;
}

/** A challenge the mechanism cannot expect. Names the mechanism, never the bytes (they may echo secrets). */
export function unexpectedChallenge(mechanism: string, detail: string): Pop3ProtocolError {
  return new Pop3ProtocolError(`${mechanism}: ${detail}`);
}

/** Shows server-sent text in an error message: printable ASCII only, bounded. */
export function printable(text: string, max = 100): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}...` : clean;
}
