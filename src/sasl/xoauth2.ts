/**
 * XOAUTH2 (Google's and Microsoft's pre-standard OAuth mechanism):
 * `user=U ^A auth=Bearer T ^A ^A`. A refused token gets a JSON error continuation, answered
 * with an empty response, after which the server sends -ERR.
 * https://developers.google.com/gmail/imap/xoauth2-protocol
 */

import { assertNoSeparator, requireField } from './bytes.js';
import type { SaslCredentials } from './mechanism.js';
import { OAuthClient } from './oauth-client.js';

const CONTROL = /[\x00-\x1f\x7f]/;

export function xoauth2Message(user: string, token: string): Buffer {
  return Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`, 'utf8');
}

export function createXoauth2Client(credentials: SaslCredentials): OAuthClient {
  const token = requireField('XOAUTH2', 'accessToken', credentials.accessToken);
  // ^A separates the fields; no control character belongs in a user name or a bearer token.
  assertNoSeparator('XOAUTH2', 'user', credentials.user, CONTROL);
  assertNoSeparator('XOAUTH2', 'accessToken', token, CONTROL);
  return new OAuthClient('XOAUTH2', xoauth2Message(credentials.user, token), Buffer.alloc(0));
}
