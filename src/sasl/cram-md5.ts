/** CRAM-MD5 (RFC 2195): one challenge, answered with `user SP hex(HMAC-MD5(pass, challenge))`. */

import { createHmac } from 'node:crypto';
import { requireField, unexpectedChallenge } from './bytes.js';
import type { SaslClientMechanism, SaslCredentials } from './mechanism.js';

/** The RFC 2195 §2 digest, lowercase hex; the server side computes the same. */
export function cramMd5Digest(pass: string, challenge: Uint8Array): string {
  return createHmac('md5', Buffer.from(pass, 'utf8')).update(challenge).digest('hex');
}

export class CramMd5Client implements SaslClientMechanism {
  readonly name = 'CRAM-MD5';
  readonly #user: string;
  readonly #pass: string;
  #answered = false;

  constructor(credentials: SaslCredentials) {
    this.#user = credentials.user;
    this.#pass = requireField('CRAM-MD5', 'pass', credentials.pass);
  }

  /** The server speaks first (RFC 2195 §2). */
  initialResponse(): undefined {
    return undefined;
  }

  step(challenge: Buffer): Buffer {
    if (this.#answered) throw unexpectedChallenge('CRAM-MD5', 'a second challenge');
    // An empty challenge would make the digest a constant for the password: refuse to answer.
    if (challenge.length === 0) throw unexpectedChallenge('CRAM-MD5', 'empty challenge');
    this.#answered = true;
    return Buffer.from(`${this.#user} ${cramMd5Digest(this.#pass, challenge)}`, 'utf8');
  }

  finish(): void {}
}
