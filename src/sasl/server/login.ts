/** LOGIN (draft-murchison-sasl-login-00) verifier: prompt for the user name, then the password. */

import { decodeUtf8 } from '../bytes.js';
import { challenge, fail, ServerMechanismBase, succeed } from './base.js';
import { passwordsMatch } from './plain.js';
import type { SaslServerStep } from './types.js';

export class LoginServer extends ServerMechanismBase {
  readonly name = 'LOGIN';
  #user: string | undefined;
  #given = '';

  protected onStart(initialResponse: Buffer | undefined): SaslServerStep {
    // Some clients send the user name as an initial response (the draft allows it).
    if (initialResponse !== undefined && initialResponse.length > 0) return this.onResponse(initialResponse);
    return challenge('Username:');
  }

  protected onResponse(response: Buffer): SaslServerStep {
    const text = decodeUtf8(response);
    if (text === undefined || text === '' || text.includes('\0')) {
      return fail('malformed', 'LOGIN answer is empty or not UTF-8');
    }
    if (this.#user === undefined) {
      this.#user = text;
      return challenge('Password:');
    }
    this.#given = text;
    return { kind: 'need-password', user: this.#user, authzid: undefined };
  }

  protected override onPassword(stored: string | undefined): SaslServerStep {
    const ok = stored !== undefined && passwordsMatch(this.#given, stored);
    this.#given = '';
    return ok ? succeed(this.#user!, undefined) : fail('credentials', 'LOGIN: invalid credentials');
  }
}
