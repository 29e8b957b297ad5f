/** PLAIN (RFC 4616) and EXTERNAL (RFC 4422 Appendix A): one client message, no challenges. */

import { assertNoSeparator, requireField, unexpectedChallenge } from './bytes.js';
import type { SaslClientMechanism, SaslCredentials } from './mechanism.js';

/**
 * A mechanism whose whole exchange is the initial response. The one challenge it accepts is the
 * empty `+ ` of a server asking for an initial response that was not sent with AUTH
 * (RFC 4422 §5 item 2a); anything else is a server that will never finish.
 */
class SingleMessageClient implements SaslClientMechanism {
  readonly name: string;
  readonly #message: Buffer;
  #challenges = 0;

  constructor(name: string, message: Buffer) {
    this.name = name;
    this.#message = message;
  }

  initialResponse(): Buffer {
    return Buffer.from(this.#message);
  }

  step(challenge: Buffer): Buffer {
    if (this.#challenges++ === 0 && challenge.length === 0) return this.initialResponse();
    throw unexpectedChallenge(this.name, 'the server sent a challenge the mechanism does not have');
  }

  finish(): void {}
}

/** RFC 4616 §2: `[authzid] NUL authcid NUL passwd`, UTF-8. */
export function createPlainClient(credentials: SaslCredentials): SaslClientMechanism {
  const pass = requireField('PLAIN', 'pass', credentials.pass);
  const authzid = credentials.authzid ?? '';
  // A NUL inside a field would shift the fields: "u\0admin" as user makes "admin" the authcid.
  assertNoSeparator('PLAIN', 'user', credentials.user, /\0/);
  assertNoSeparator('PLAIN', 'pass', pass, /\0/);
  assertNoSeparator('PLAIN', 'authzid', authzid, /\0/);
  return new SingleMessageClient('PLAIN', Buffer.from(`${authzid}\0${credentials.user}\0${pass}`, 'utf8'));
}

/** RFC 4422 Appendix A.1: the initial response is the authzid, or empty to act as the identity
 * the external layer (a TLS client certificate) established. */
export function createExternalClient(credentials: SaslCredentials): SaslClientMechanism {
  return new SingleMessageClient('EXTERNAL', Buffer.from(credentials.authzid ?? '', 'utf8'));
}
