/** What XOAUTH2 and OAUTHBEARER share on the client: one message carrying the token, then at
 * most one error challenge that only needs a dummy answer so the server can say -ERR. */

import { unexpectedChallenge } from './bytes.js';
import type { SaslClientMechanism } from './mechanism.js';
import { type OAuthErrorDetails, parseOAuthError } from './oauth-error.js';

export class OAuthClient implements SaslClientMechanism {
  readonly name: string;
  readonly #message: Buffer;
  readonly #errorAnswer: Buffer;
  #sent = false;
  #errorAnswered = false;
  #serverError: OAuthErrorDetails | undefined;

  constructor(name: string, message: Buffer, errorAnswer: Buffer) {
    this.name = name;
    this.#message = message;
    this.#errorAnswer = errorAnswer;
  }

  /** What the server said when it refused the token, for the caller's error message. */
  get serverError(): OAuthErrorDetails | undefined {
    return this.#serverError;
  }

  initialResponse(): Buffer {
    return Buffer.from(this.#message);
  }

  step(challenge: Buffer): Buffer {
    if (!this.#sent) {
      this.#sent = true;
      // RFC 4422 §5 item 2a: the empty "+ " of the two-step form asks for the initial response.
      if (challenge.length === 0) return this.initialResponse();
    }
    if (this.#errorAnswered) throw unexpectedChallenge(this.name, 'a challenge after the error answer');
    // Any challenge after the token is the failure report; details are kept when it is JSON.
    // Answering (instead of throwing) lets the server end with -ERR, leaving the session usable.
    this.#errorAnswered = true;
    this.#serverError = parseOAuthError(challenge);
    return Buffer.from(this.#errorAnswer);
  }

  finish(): void {}
}
