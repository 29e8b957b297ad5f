/**
 * XOAUTH2 and OAUTHBEARER (RFC 7628) verifiers. Both carry a bearer token in one message; the
 * session checks it (a `need-token-check` step). A refused token gets a JSON error challenge,
 * the client answers with a dummy, and only then does the exchange fail (RFC 7628 §3.2.2-3).
 */

import { decodeUtf8 } from '../bytes.js';
import { unescapeSaslName } from '../scram-core.js';
import { challenge, fail, ServerMechanismBase, succeed } from './base.js';
import type { SaslServerOptions, SaslServerStep } from './types.js';

interface TokenMessage {
  readonly user: string;
  readonly authzid: string | undefined;
  readonly token: string;
}

type OAuthOptions = NonNullable<SaslServerOptions['oauth']>;

/** Fields of `key=value^A...^A^A`; undefined unless every field has that shape. */
function splitFields(text: string): Map<string, string> | undefined {
  if (!text.endsWith('\x01\x01')) return undefined;
  const fields = new Map<string, string>();
  for (const field of text.slice(0, -2).split('\x01')) {
    const match = /^([A-Za-z]+)=(.*)$/s.exec(field);
    if (match === null) return undefined;
    fields.set(match[1]!.toLowerCase(), match[2]!);
  }
  return fields;
}

/** RFC 6750 §2.1: `Bearer` (case-insensitive) SP b64token. */
function bearerToken(auth: string | undefined): string | undefined {
  const match = auth === undefined ? null : /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(auth);
  return match?.[1];
}

abstract class OAuthServer extends ServerMechanismBase {
  protected readonly options: OAuthOptions;
  #message: TokenMessage | undefined;
  #refused = false;

  constructor(options: OAuthOptions = {}) {
    super();
    this.options = options;
  }

  protected abstract parse(text: string): TokenMessage | undefined;
  protected abstract errorJson(): string;

  protected onStart(initialResponse: Buffer | undefined): SaslServerStep {
    return initialResponse === undefined ? challenge(Buffer.alloc(0)) : this.onResponse(initialResponse);
  }

  protected onResponse(response: Buffer): SaslServerStep {
    // After the error challenge whatever the client answers ends the exchange (RFC 7628 §3.2.3).
    if (this.#refused) return fail('credentials', `${this.name}: invalid token`);
    const text = decodeUtf8(response);
    const message = text === undefined ? undefined : this.parse(text);
    if (message === undefined) return fail('malformed', `${this.name}: malformed client message`);
    this.#message = message;
    return { kind: 'need-token-check', ...message };
  }

  protected override onTokenVerdict(valid: boolean): SaslServerStep {
    const { user, authzid } = this.#message!;
    if (valid) return succeed(user, authzid);
    this.#refused = true;
    return challenge(this.errorJson());
  }
}

/** `user=U^Aauth=Bearer T^A^A` (https://developers.google.com/gmail/imap/xoauth2-protocol). */
export class Xoauth2Server extends OAuthServer {
  readonly name = 'XOAUTH2';

  protected parse(text: string): TokenMessage | undefined {
    const fields = splitFields(text);
    const user = fields?.get('user');
    const token = bearerToken(fields?.get('auth'));
    if (user === undefined || user === '' || token === undefined) return undefined;
    return { user, authzid: undefined, token };
  }

  /** Google's shape: an HTTP status and the scheme to retry with. */
  protected errorJson(): string {
    return JSON.stringify({ status: '401', schemes: 'bearer', scope: this.options.scope });
  }
}

/**
 * RFC 7628 §3.1: `gs2-header ^A [host=H^A] [port=P^A] auth=Bearer T^A ^A`. The user to log in
 * comes from the gs2-header `a=` (so the success step has no separate authzid), which this
 * server requires: a POP3 session needs a maildrop
 * name, and deriving it from the token is the token checker's business, not the parser's.
 */
export class OAuthBearerServer extends OAuthServer {
  readonly name = 'OAUTHBEARER';

  protected parse(text: string): TokenMessage | undefined {
    // "p=" (channel binding) is refused: OAUTHBEARER has no -PLUS variant to negotiate it.
    const match = /^[ny],a=([^,\x01]+),\x01(.*)$/s.exec(text);
    const user = match === null ? undefined : unescapeSaslName(match[1]!);
    const fields = match === null ? undefined : splitFields(match[2]!);
    const token = bearerToken(fields?.get('auth'));
    if (user === undefined || token === undefined) return undefined;
    return { user, authzid: undefined, token };
  }

  /** RFC 7628 §3.2.2: status, and optionally the scope and the discovery document. */
  protected errorJson(): string {
    return JSON.stringify({
      status: 'invalid_token',
      scope: this.options.scope,
      'openid-configuration': this.options.openidConfiguration,
    });
  }
}
