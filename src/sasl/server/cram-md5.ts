/** CRAM-MD5 (RFC 2195) verifier: send a unique msg-id challenge, check the keyed digest. */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { decodeUtf8 } from '../bytes.js';
import { cramMd5Digest } from '../cram-md5.js';
import { challenge, fail, ServerMechanismBase, succeed } from './base.js';
import type { SaslServerOptions, SaslServerStep } from './types.js';

export class CramMd5Server extends ServerMechanismBase {
  readonly name = 'CRAM-MD5';
  readonly #challenge: Buffer;
  #user = '';
  #digest = '';

  constructor(options: SaslServerOptions['cramMd5'] = {}) {
    super();
    // RFC 2195 §2: a "presumptively arbitrary string of random digits, a timestamp, and the
    // fully-qualified primary host name", in msg-id form; it must never repeat.
    const random = randomBytes(8).readBigUInt64BE();
    const text = options.challenge ?? `<${random}.${Date.now()}@${options.hostname ?? 'localhost'}>`;
    this.#challenge = Buffer.from(text, 'utf8');
  }

  protected onStart(initialResponse: Buffer | undefined): SaslServerStep {
    // The server speaks first; an initial response has no place here (RFC 4422 §3.3).
    if (initialResponse !== undefined) return fail('malformed', 'CRAM-MD5 takes no initial response');
    return challenge(Buffer.from(this.#challenge));
  }

  protected onResponse(response: Buffer): SaslServerStep {
    const text = decodeUtf8(response);
    const space = text?.lastIndexOf(' ') ?? -1;
    const digest = text?.slice(space + 1).toLowerCase() ?? '';
    if (text === undefined || space < 1 || !/^[0-9a-f]{32}$/.test(digest)) {
      return fail('malformed', 'CRAM-MD5 answer is not "user SP 32-hex-digest"');
    }
    this.#user = text.slice(0, space);
    this.#digest = digest;
    return { kind: 'need-password', user: this.#user, authzid: undefined };
  }

  protected override onPassword(stored: string | undefined): SaslServerStep {
    const expected = Buffer.from(cramMd5Digest(stored ?? '', this.#challenge), 'latin1');
    const ok = stored !== undefined && timingSafeEqual(expected, Buffer.from(this.#digest, 'latin1'));
    return ok ? succeed(this.#user, undefined) : fail('credentials', 'CRAM-MD5: invalid credentials');
  }
}
