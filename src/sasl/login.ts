/**
 * LOGIN (draft-murchison-sasl-login-00): the server prompts twice, the client answers with
 * the user name, then the password. Prompt texts vary ("Username:", "VXNlcm5hbWU6" decoded,
 * "User Name"), so they are not checked: the order is what matters.
 */

import { requireField, unexpectedChallenge } from './bytes.js';
import type { SaslClientMechanism, SaslCredentials } from './mechanism.js';

export class LoginClient implements SaslClientMechanism {
  readonly name = 'LOGIN';
  readonly #answers: readonly Buffer[];
  #next = 0;

  constructor(credentials: SaslCredentials) {
    const pass = requireField('LOGIN', 'pass', credentials.pass);
    this.#answers = [Buffer.from(credentials.user, 'utf8'), Buffer.from(pass, 'utf8')];
  }

  /** LOGIN has no initial response: the user name waits for the first prompt. */
  initialResponse(): undefined {
    return undefined;
  }

  step(_challenge: Buffer): Buffer {
    const answer = this.#answers[this.#next];
    if (answer === undefined) throw unexpectedChallenge('LOGIN', 'more than two prompts');
    this.#next += 1;
    return Buffer.from(answer);
  }

  finish(): void {}
}
