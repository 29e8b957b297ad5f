/**
 * The server SASL registry for the embeddable POP3 server: mechanism name -> verifier state
 * machine (see ./types.ts for the protocol between a session and a mechanism).
 */

import { SCRAM_HASHES } from '../scram-core.js';
import { CramMd5Server } from './cram-md5.js';
import { LoginServer } from './login.js';
import { OAuthBearerServer, Xoauth2Server } from './oauth.js';
import { PlainServer } from './plain.js';
import { ScramServer } from './scram.js';
import type { SaslServerMechanism, SaslServerOptions, SaslServerStep } from './types.js';

export { CramMd5Server } from './cram-md5.js';
export { LoginServer } from './login.js';
export { OAuthBearerServer, Xoauth2Server } from './oauth.js';
export { PlainServer, passwordsMatch } from './plain.js';
export { ScramServer } from './scram.js';
export type { SaslFailureReason, SaslServerMechanism, SaslServerOptions, SaslServerStep } from './types.js';

type Factory = (options: SaslServerOptions) => SaslServerMechanism;

const scram =
  (name: string): Factory =>
  (options) =>
    new ScramServer(name, SCRAM_HASHES[name]!, options.scram);

const FACTORIES: ReadonlyMap<string, Factory> = new Map<string, Factory>([
  ['SCRAM-SHA-256', scram('SCRAM-SHA-256')],
  ['SCRAM-SHA-1', scram('SCRAM-SHA-1')],
  ['CRAM-MD5', (options) => new CramMd5Server(options.cramMd5)],
  ['PLAIN', () => new PlainServer()],
  ['LOGIN', () => new LoginServer()],
  ['OAUTHBEARER', (options) => new OAuthBearerServer(options.oauth)],
  ['XOAUTH2', (options) => new Xoauth2Server(options.oauth)],
]);

/** Every mechanism `createServerMechanism` knows, upper-case, strongest first (the order a
 * server would list them in CAPA's SASL line). */
export const SERVER_MECHANISMS: readonly string[] = [...FACTORIES.keys()];

/** Case-insensitive, as mechanism names are (RFC 4422 §3.1). */
export function isServerMechanismSupported(name: string): boolean {
  return FACTORIES.has(name.toUpperCase());
}

/**
 * A fresh verifier for one AUTH exchange.
 * @throws TypeError for an unknown mechanism (the session answers -ERR before calling this).
 */
export function createServerMechanism(name: string, options: SaslServerOptions = {}): SaslServerMechanism {
  const factory = FACTORIES.get(name.toUpperCase());
  if (factory === undefined) throw new TypeError(`unsupported SASL mechanism ${name}`);
  return factory(options);
}

/** Where a session finds passwords and checks tokens; either may be async. A missing one
 * answers "no such user" / "invalid token". */
export interface SaslServerLookup {
  getPassword?(user: string, authzid: string | undefined): string | undefined | Promise<string | undefined>;
  verifyToken?(user: string, token: string, authzid: string | undefined): boolean | Promise<boolean>;
}

/**
 * Answers `need-password` and `need-token-check` steps from `lookup` until the mechanism
 * returns a challenge, a success or a failure. A lookup that throws rejects the promise.
 */
export async function settleStep(
  mechanism: SaslServerMechanism,
  step: SaslServerStep,
  lookup: SaslServerLookup,
): Promise<SaslServerStep> {
  let current = step;
  for (;;) {
    if (current.kind === 'need-password') {
      current = mechanism.providePassword(await lookup.getPassword?.(current.user, current.authzid));
    } else if (current.kind === 'need-token-check') {
      const valid = (await lookup.verifyToken?.(current.user, current.token, current.authzid)) ?? false;
      current = mechanism.provideTokenVerdict(valid === true);
    } else {
      return current;
    }
  }
}
