/**
 * SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677), client side, without channel binding.
 *
 *   client-first  n,,n=user,r=CNONCE            (initial response)
 *   server-first  r=CNONCE+SNONCE,s=SALT,i=4096 -> client-final c=biws,r=...,p=PROOF
 *   server-final  v=SIGNATURE                   -> empty response, then +OK
 *
 * The server must prove it knows the password too: `finish()` throws unless `v=` was checked.
 */

import { randomBytes } from 'node:crypto';
import { Pop3AuthError } from '../errors.js';
import {
  assertNoSeparator,
  decodeBase64Strict,
  printable,
  requireField,
  unexpectedChallenge,
} from './bytes.js';
import type { SaslClientMechanism, SaslCredentials, ScramClientOptions } from './mechanism.js';
import { saslprep } from './saslprep.js';
import {
  escapeSaslName,
  gs2Header,
  hmac,
  isValidNonce,
  parseAttributes,
  type ScramHash,
  sameBytes,
  scramKeys,
  xor,
} from './scram-core.js';

export const DEFAULT_MIN_ITERATIONS = 4096;
export const DEFAULT_MAX_ITERATIONS = 1_000_000;

type State = 'start' | 'sent-first' | 'sent-final' | 'verified';

export class ScramClient implements SaslClientMechanism {
  readonly name: string;
  readonly #hash: ScramHash;
  readonly #password: string;
  readonly #gs2: string;
  readonly #clientFirstBare: string;
  readonly #nonce: string;
  readonly #minIterations: number;
  readonly #maxIterations: number;
  #state: State = 'start';
  #serverSignature: Buffer | undefined;

  constructor(name: string, hash: ScramHash, credentials: SaslCredentials, options: ScramClientOptions = {}) {
    this.name = name;
    this.#hash = hash;
    const pass = requireField(name, 'pass', credentials.pass);
    // RFC 5802 §5.1: saslname excludes NUL.
    assertNoSeparator(name, 'user', credentials.user, /\0/);
    assertNoSeparator(name, 'authzid', credentials.authzid ?? '', /\0/);
    try {
      this.#password = saslprep(pass); // RFC 5802 §2.2 Normalize(); the user name is sent as given
    } catch (error) {
      throw new TypeError(`${name}: the password fails SASLprep`, { cause: error });
    }
    this.#nonce = options.nonce ?? randomBytes(18).toString('base64');
    if (!isValidNonce(this.#nonce)) throw new TypeError(`${name}: invalid client nonce`);
    this.#minIterations = options.minIterations ?? DEFAULT_MIN_ITERATIONS;
    this.#maxIterations = options.maxIterations ?? DEFAULT_MAX_ITERATIONS;
    this.#gs2 = gs2Header(credentials.authzid);
    this.#clientFirstBare = `n=${escapeSaslName(credentials.user)},r=${this.#nonce}`;
  }

  initialResponse(): Buffer {
    return Buffer.from(this.#gs2 + this.#clientFirstBare, 'utf8');
  }

  step(challenge: Buffer): Buffer {
    switch (this.#state) {
      case 'start':
        this.#state = 'sent-first';
        // RFC 4422 §5 item 2a: the empty "+ " of the two-step form asks for client-first.
        if (challenge.length === 0) return this.initialResponse();
        return this.#serverFirst(challenge);
      case 'sent-first':
        return this.#serverFirst(challenge);
      case 'sent-final':
        this.#serverFinal(challenge);
        // POP3's +OK carries no SASL data, so server-final came as a continuation; it is
        // acknowledged with an empty response (RFC 4422 §3.6, RFC 5034 §4).
        return Buffer.alloc(0);
      case 'verified':
        throw unexpectedChallenge(this.name, 'a challenge after server-final');
    }
  }

  finish(successData?: Buffer): void {
    if (this.#state === 'sent-final' && successData !== undefined && successData.length > 0) {
      this.#serverFinal(successData);
    }
    if (this.#state !== 'verified') {
      throw unexpectedChallenge(this.name, 'the server accepted without proving it knows the password');
    }
  }

  /** RFC 5802 §5.1 server-first-message: [m=...,] r=, s=, i=, [extensions]. */
  #serverFirst(challenge: Buffer): Buffer {
    const attrs = parseAttributes(challenge);
    if (attrs === undefined) throw unexpectedChallenge(this.name, 'malformed server-first-message');
    // A leading m= is a mandatory extension we do not know; RFC 5802 §5.1 says fail.
    if (attrs[0]?.name === 'm') throw unexpectedChallenge(this.name, 'unsupported mandatory extension');
    const [r, s, i] = attrs;
    if (r?.name !== 'r' || s?.name !== 's' || i?.name !== 'i') {
      throw unexpectedChallenge(this.name, 'server-first-message lacks r=, s= and i=');
    }
    // The server's nonce must extend ours (RFC 5802 §5.1), or the exchange could be a replay.
    if (!isValidNonce(r.value) || !r.value.startsWith(this.#nonce) || r.value.length === this.#nonce.length) {
      throw unexpectedChallenge(this.name, 'server nonce does not extend the client nonce');
    }
    const salt = decodeBase64Strict(s.value);
    if (salt === undefined || salt.length === 0) throw unexpectedChallenge(this.name, 'invalid salt');
    if (!/^[1-9][0-9]{0,9}$/.test(i.value)) throw unexpectedChallenge(this.name, 'invalid iteration count');
    const iterations = Number(i.value);
    if (iterations < this.#minIterations || iterations > this.#maxIterations) {
      throw unexpectedChallenge(
        this.name,
        `iteration count ${iterations} outside ${this.#minIterations}..${this.#maxIterations}`,
      );
    }

    const serverFirst = challenge.toString('utf8');
    const withoutProof = `c=${Buffer.from(this.#gs2, 'utf8').toString('base64')},r=${r.value}`;
    const authMessage = `${this.#clientFirstBare},${serverFirst},${withoutProof}`;
    const keys = scramKeys(this.#hash, this.#password, salt, iterations);
    const clientSignature = hmac(this.#hash, keys.storedKey, authMessage);
    const proof = xor(keys.clientKey, clientSignature);
    this.#serverSignature = hmac(this.#hash, keys.serverKey, authMessage);
    this.#state = 'sent-final';
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8');
  }

  /** RFC 5802 §5.1 server-final-message: `v=signature` or `e=error`. */
  #serverFinal(challenge: Buffer): void {
    const first = parseAttributes(challenge)?.[0];
    if (first?.name === 'e') {
      throw new Pop3AuthError('AUTH', `${this.name} server error: ${printable(first.value)}`, undefined);
    }
    const signature = first?.name === 'v' ? decodeBase64Strict(first.value) : undefined;
    if (signature === undefined) throw unexpectedChallenge(this.name, 'malformed server-final-message');
    if (!sameBytes(signature, this.#serverSignature!)) {
      throw unexpectedChallenge(this.name, 'wrong server signature: the server does not know the password');
    }
    this.#state = 'verified';
  }
}
