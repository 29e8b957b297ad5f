/** PLAIN (RFC 4616) verifier: `[authzid] NUL authcid NUL passwd`. */

import { createHash, timingSafeEqual } from 'node:crypto';
import { decodeUtf8 } from '../bytes.js';
import { saslprep } from '../saslprep.js';
import { challenge, fail, ServerMechanismBase, succeed } from './base.js';
import type { SaslServerStep } from './types.js';

/**
 * RFC 4616 §2 compares SASLprep'd passwords; a string SASLprep refuses is compared as given.
 * Hashing first makes the comparison constant-time without leaking the length.
 */
export function passwordsMatch(given: string, stored: string): boolean {
  const prepare = (text: string): Buffer => {
    let prepared = text;
    try {
      prepared = saslprep(text);
    } catch {}
    return createHash('sha256').update(prepared, 'utf8').digest();
  };
  return timingSafeEqual(prepare(given), prepare(stored));
}

export class PlainServer extends ServerMechanismBase {
  readonly name = 'PLAIN';
  #user = '';
  #authzid: string | undefined;
  #given = '';

  protected onStart(initialResponse: Buffer | undefined): SaslServerStep {
    // RFC 4422 §5 item 2a: no initial response, so ask for it with an empty challenge.
    return initialResponse === undefined ? challenge(Buffer.alloc(0)) : this.onResponse(initialResponse);
  }

  protected onResponse(response: Buffer): SaslServerStep {
    const fields = decodeUtf8(response)?.split('\0');
    if (fields?.length !== 3) return fail('malformed', 'PLAIN message is not authzid NUL authcid NUL passwd');
    const [authzid, user, pass] = fields as [string, string, string];
    if (user === '' || pass === '') return fail('malformed', 'PLAIN message has an empty authcid or passwd');
    this.#user = user;
    this.#authzid = authzid === '' ? undefined : authzid;
    this.#given = pass;
    return { kind: 'need-password', user, authzid: this.#authzid };
  }

  protected override onPassword(stored: string | undefined): SaslServerStep {
    const ok = stored !== undefined && passwordsMatch(this.#given, stored);
    this.#given = '';
    return ok ? succeed(this.#user, this.#authzid) : fail('credentials', 'PLAIN: invalid credentials');
  }
}
