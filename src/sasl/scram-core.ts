/** The SCRAM arithmetic and message syntax (RFC 5802 §3, §5, §7) shared by client and server. */

import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { decodeUtf8 } from './bytes.js';

export type ScramHash = 'sha1' | 'sha256';

/** SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677); the -PLUS variants need channel
 * binding, which this library does not do. */
export const SCRAM_HASHES: Readonly<Record<string, ScramHash>> = {
  'SCRAM-SHA-1': 'sha1',
  'SCRAM-SHA-256': 'sha256',
};

export function hmac(hash: ScramHash, key: Uint8Array, data: string | Uint8Array): Buffer {
  return createHmac(hash, key).update(data).digest();
}

export function digest(hash: ScramHash, data: Uint8Array): Buffer {
  return createHash(hash).update(data).digest();
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

export interface ScramKeys {
  readonly clientKey: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
}

/** RFC 5802 §3: SaltedPassword = Hi(Normalize(password), salt, i), Hi being PBKDF2 with HMAC. */
export function scramKeys(
  hash: ScramHash,
  preparedPassword: string,
  salt: Buffer,
  iterations: number,
): ScramKeys {
  const keyLength = hash === 'sha1' ? 20 : 32;
  const salted = pbkdf2Sync(Buffer.from(preparedPassword, 'utf8'), salt, iterations, keyLength, hash);
  const clientKey = hmac(hash, salted, 'Client Key');
  return { clientKey, storedKey: digest(hash, clientKey), serverKey: hmac(hash, salted, 'Server Key') };
}

/** Constant-time equality that also accepts different lengths (then false). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 5802 §5.1 saslname: `=` and `,` travel as `=3D` and `=2C`. */
export function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** The reverse; undefined for a `=` not starting `=2C`/`=3D`, which the RFC says must fail. */
export function unescapeSaslName(text: string): string | undefined {
  if (/=(?!2C|3D)/.test(text)) return undefined;
  return text.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** RFC 5802 §7 `printable`: a nonce is ASCII 0x21-0x7E without ','. */
export function isValidNonce(nonce: string): boolean {
  return /^[\x21-\x2b\x2d-\x7e]+$/.test(nonce);
}

export interface ScramAttribute {
  readonly name: string;
  readonly value: string;
}

/** Splits `a=1,b=2` into attributes; undefined when the bytes are not UTF-8 or an item is not
 * `letter=value`. Values never contain ',' (RFC 5802 §7), so a plain split is exact. */
export function parseAttributes(message: Uint8Array | string): ScramAttribute[] | undefined {
  const text = typeof message === 'string' ? message : decodeUtf8(message);
  if (text === undefined || text.length === 0) return undefined;
  const attributes: ScramAttribute[] = [];
  for (const item of text.split(',')) {
    if (!/^[A-Za-z]=/.test(item)) return undefined;
    attributes.push({ name: item[0]!, value: item.slice(2) });
  }
  return attributes;
}

/** The GS2 header of a client that does no channel binding (RFC 5802 §7 gs2-header). */
export function gs2Header(authzid: string | undefined): string {
  return authzid === undefined || authzid === '' ? 'n,,' : `n,a=${escapeSaslName(authzid)},`;
}
