/**
 * OAUTHBEARER (RFC 7628): `n,a=user,^Ahost=H^Aport=P^Aauth=Bearer T^A^A` (§3.1), host and port
 * optional. A refused token gets a JSON error challenge (§3.2.2), which the client must answer
 * with a single ^A (§3.2.3) so the server can fail the exchange.
 */

import { assertNoSeparator, requireField } from './bytes.js';
import type { SaslClientOptions, SaslCredentials } from './mechanism.js';
import { OAuthClient } from './oauth-client.js';
import { escapeSaslName } from './scram-core.js';

const CONTROL = /[\x00-\x1f\x7f]/;

export interface OAuthBearerFields {
  /** Put in the GS2 header as `a=` (RFC 5801 saslname, so `,` and `=` are escaped). */
  readonly authzid: string | undefined;
  readonly token: string;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
}

export function oauthBearerMessage(fields: OAuthBearerFields): Buffer {
  const gs2 = fields.authzid === undefined ? 'n,,' : `n,a=${escapeSaslName(fields.authzid)},`;
  let kvpairs = '';
  if (fields.host !== undefined) kvpairs += `host=${fields.host}\x01`;
  if (fields.port !== undefined) kvpairs += `port=${fields.port}\x01`;
  kvpairs += `auth=Bearer ${fields.token}\x01`;
  return Buffer.from(`${gs2}\x01${kvpairs}\x01`, 'utf8');
}

/** The `a=` identity is `credentials.authzid` when given, else `credentials.user` (the form
 * Gmail and Outlook expect). */
export function createOAuthBearerClient(
  credentials: SaslCredentials,
  options: SaslClientOptions['oauthbearer'] = {},
): OAuthClient {
  const token = requireField('OAUTHBEARER', 'accessToken', credentials.accessToken);
  const authzid = credentials.authzid ?? credentials.user;
  assertNoSeparator('OAUTHBEARER', 'user', authzid, CONTROL);
  assertNoSeparator('OAUTHBEARER', 'accessToken', token, CONTROL);
  if (options.host !== undefined) assertNoSeparator('OAUTHBEARER', 'host', options.host, CONTROL);
  const port = options.port;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new TypeError('OAUTHBEARER: port must be an integer from 1 to 65535');
  }
  const message = oauthBearerMessage({ authzid, token, host: options.host, port });
  return new OAuthClient('OAUTHBEARER', message, Buffer.from([0x01]));
}
