/**
 * SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677) verifier, without channel binding.
 * The store holds plaintext passwords, so each exchange draws a fresh salt and derives the
 * keys; the server proves itself with `v=` in a `+ ` continuation (POP3's +OK carries no SASL
 * data), and the exchange succeeds once the client acknowledges it with an empty response.
 */

import { randomBytes } from 'node:crypto';
import { decodeBase64Strict, decodeUtf8 } from '../bytes.js';
import { saslprep } from '../saslprep.js';
import {
  digest,
  hmac,
  isValidNonce,
  parseAttributes,
  type ScramHash,
  type ScramKeys,
  sameBytes,
  scramKeys,
  unescapeSaslName,
  xor,
} from '../scram-core.js';
import { challenge, fail, ServerMechanismBase, succeed } from './base.js';
import type { SaslServerOptions, SaslServerStep } from './types.js';

type Phase = 'client-first' | 'client-final' | 'ack';

export class ScramServer extends ServerMechanismBase {
  readonly name: string;
  readonly #hash: ScramHash;
  readonly #options: NonNullable<SaslServerOptions['scram']>;
  #phase: Phase = 'client-first';
  #gs2 = '';
  #clientFirstBare = '';
  #serverFirst = '';
  #nonce = '';
  #user = '';
  #authzid: string | undefined;
  #keys: ScramKeys | undefined;
  #knownUser = false;

  constructor(name: string, hash: ScramHash, options: SaslServerOptions['scram'] = {}) {
    super();
    this.name = name;
    this.#hash = hash;
    this.#options = options;
  }

  protected onStart(initialResponse: Buffer | undefined): SaslServerStep {
    return initialResponse === undefined ? challenge(Buffer.alloc(0)) : this.onResponse(initialResponse);
  }

  protected onResponse(response: Buffer): SaslServerStep {
    switch (this.#phase) {
      case 'client-first':
        return this.#clientFirst(response);
      case 'client-final':
        return this.#clientFinal(response);
      case 'ack':
        // The client's answer to v= is empty (RFC 4422 §3.6); anything else is a broken client.
        if (response.length > 0) return fail('malformed', `${this.name}: expected an empty response`);
        return succeed(this.#user, this.#authzid);
    }
  }

  /** RFC 5802 §7: gs2-header client-first-message-bare; gs2-header = cbind-flag "," [authzid] ",". */
  #clientFirst(response: Buffer): SaslServerStep {
    const text = decodeUtf8(response);
    const match = text === undefined ? null : /^([ny]),(a=[^,]*)?,(.*)$/s.exec(text);
    if (match === null) {
      // "p=" lands here too: channel binding (-PLUS) is not offered.
      return fail('malformed', `${this.name}: malformed client-first-message`);
    }
    const authzid = match[2] === undefined ? undefined : unescapeSaslName(match[2].slice(2));
    const attrs = parseAttributes(match[3]!);
    const [n, r] = attrs ?? [];
    const user = n?.name === 'n' ? unescapeSaslName(n.value) : undefined;
    if (user === undefined || user === '' || r?.name !== 'r' || !isValidNonce(r.value) || authzid === '') {
      return fail('malformed', `${this.name}: malformed client-first-message`);
    }
    if (match[2] !== undefined && authzid === undefined) {
      return fail('malformed', `${this.name}: malformed authzid`);
    }
    this.#gs2 = text!.slice(0, text!.length - match[3]!.length);
    this.#clientFirstBare = match[3]!;
    this.#nonce = r.value + (this.#options.nonce ?? randomBytes(18).toString('base64'));
    this.#user = user;
    this.#authzid = authzid;
    return { kind: 'need-password', user, authzid };
  }

  protected override onPassword(stored: string | undefined): SaslServerStep {
    // An unknown user still gets a normal-looking server-first, so the exchange cannot be used
    // to probe which users exist (RFC 5802 §5.1); it fails at the proof.
    this.#knownUser = stored !== undefined;
    const password = stored === undefined ? randomBytes(32).toString('base64') : prepare(stored);
    const salt = this.#options.salt ?? randomBytes(16);
    const iterations = this.#options.iterations ?? 4096;
    this.#keys = scramKeys(this.#hash, password, salt, iterations);
    this.#serverFirst = `r=${this.#nonce},s=${salt.toString('base64')},i=${iterations}`;
    this.#phase = 'client-final';
    return challenge(this.#serverFirst);
  }

  /** RFC 5802 §7: client-final-message = c=, r=, [extensions,] p=. */
  #clientFinal(response: Buffer): SaslServerStep {
    const text = decodeUtf8(response);
    const attrs = text === undefined ? undefined : parseAttributes(text);
    const c = attrs?.[0];
    const r = attrs?.[1];
    const p = attrs?.[attrs.length - 1];
    const proof = p?.name === 'p' ? decodeBase64Strict(p.value) : undefined;
    // No channel binding, so c= must carry exactly the gs2-header of client-first.
    const cbind = c?.name === 'c' ? decodeBase64Strict(c.value) : undefined;
    if (text === undefined || proof === undefined || cbind === undefined || r?.name !== 'r') {
      return fail('malformed', `${this.name}: malformed client-final-message`);
    }
    if (!cbind.equals(Buffer.from(this.#gs2, 'utf8')) || r.value !== this.#nonce) {
      return fail('malformed', `${this.name}: channel binding or nonce mismatch`);
    }
    const keys = this.#keys!;
    const withoutProof = text.slice(0, text.lastIndexOf(',p='));
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const clientSignature = hmac(this.#hash, keys.storedKey, authMessage);
    // RFC 5802 §3: recover ClientKey from the proof; its hash must be StoredKey.
    const ok =
      proof.length === clientSignature.length &&
      sameBytes(digest(this.#hash, xor(proof, clientSignature)), keys.storedKey) &&
      this.#knownUser;
    if (!ok) return fail('credentials', `${this.name}: invalid credentials`);
    this.#phase = 'ack';
    return challenge(`v=${hmac(this.#hash, keys.serverKey, authMessage).toString('base64')}`);
  }
}

/** The stored password is prepared like the client prepares it; one SASLprep refuses is used
 * as stored (the client would have refused to send it anyway). */
function prepare(password: string): string {
  try {
    return saslprep(password);
  } catch {
    return password;
  }
}
