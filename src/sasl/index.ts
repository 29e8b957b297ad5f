/**
 * The client SASL registry: mechanism name -> state machine. The server side lives in
 * `./server/index.js`; both share the wire syntax and crypto in this folder.
 */

import { CramMd5Client } from './cram-md5.js';
import { LoginClient } from './login.js';
import type { SaslClientMechanism, SaslClientOptions, SaslCredentials } from './mechanism.js';
import { CLIENT_MECHANISMS } from './names.js';
import { createOAuthBearerClient } from './oauthbearer.js';
import { createExternalClient, createPlainClient } from './plain.js';
import { ScramClient } from './scram.js';
import { SCRAM_HASHES } from './scram-core.js';
import { createXoauth2Client } from './xoauth2.js';

export { apopDigest } from './apop.js';
export { CramMd5Client, cramMd5Digest } from './cram-md5.js';
export { LoginClient } from './login.js';
export type {
  SaslClientMechanism,
  SaslClientOptions,
  SaslCredentials,
  ScramClientOptions,
} from './mechanism.js';
export { CLIENT_MECHANISMS, isClientMechanismSupported, selectClientMechanism } from './names.js';
export { OAuthClient } from './oauth-client.js';
export type { OAuthErrorDetails } from './oauth-error.js';
export { createOAuthBearerClient, type OAuthBearerFields, oauthBearerMessage } from './oauthbearer.js';
export { createExternalClient, createPlainClient } from './plain.js';
export { type SaslprepOptions, saslprep } from './saslprep.js';
export { DEFAULT_MAX_ITERATIONS, DEFAULT_MIN_ITERATIONS, ScramClient } from './scram.js';
export { createXoauth2Client, xoauth2Message } from './xoauth2.js';

type Factory = (credentials: SaslCredentials, options: SaslClientOptions) => SaslClientMechanism;

const scram =
  (name: string): Factory =>
  (credentials, options) =>
    new ScramClient(name, SCRAM_HASHES[name]!, credentials, options.scram);

/** Exported for the test that keeps it in step with names.ts. */
export const FACTORIES: ReadonlyMap<string, Factory> = new Map<string, Factory>([
  ['SCRAM-SHA-256', scram('SCRAM-SHA-256')],
  ['SCRAM-SHA-1', scram('SCRAM-SHA-1')],
  ['CRAM-MD5', (credentials) => new CramMd5Client(credentials)],
  ['PLAIN', (credentials) => createPlainClient(credentials)],
  ['LOGIN', (credentials) => new LoginClient(credentials)],
  ['OAUTHBEARER', (credentials, options) => createOAuthBearerClient(credentials, options.oauthbearer)],
  ['XOAUTH2', (credentials) => createXoauth2Client(credentials)],
  ['EXTERNAL', (credentials) => createExternalClient(credentials)],
]);

/**
 * A fresh state machine for one AUTH exchange.
 * @throws TypeError for an unknown mechanism or a credential the mechanism needs but lacks
 *   (`pass`, `accessToken`), or a password that fails SASLprep (SCRAM).
 * @throws Pop3SecurityError for a credential containing the mechanism's separator (NUL in
 *   PLAIN, a control character in XOAUTH2/OAUTHBEARER).
 */
export function createClientMechanism(
  name: string,
  credentials: SaslCredentials,
  options: SaslClientOptions = {},
): SaslClientMechanism {
  const factory = FACTORIES.get(name.toUpperCase());
  if (factory === undefined) {
    throw new TypeError(`unsupported SASL mechanism ${name}; supported: ${CLIENT_MECHANISMS.join(' ')}`);
  }
  return factory(credentials, options);
}
