import type { Capabilities } from '../protocol/capabilities.js';
import { isClientMechanismSupported, selectClientMechanism } from '../sasl/names.js';
import type { Credentials } from './options.js';

/** 'USER' (USER/PASS), 'APOP', or a SASL mechanism name. */
export type LoginMethod = string;

/** Mechanisms that never put the password itself on the wire, strongest first. */
const CHALLENGE_RESPONSE = new Set(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'CRAM-MD5']);

/**
 * Picks how `login()` authenticates (issue order): with a token, OAUTHBEARER or XOAUTH2;
 * with a password, SCRAM-SHA-256 > SCRAM-SHA-1 > CRAM-MD5 > APOP > PLAIN > LOGIN > USER/PASS.
 * APOP sits below CRAM-MD5 (both hide the password, CRAM-MD5 is standard SASL) and above
 * PLAIN (which sends it, if only inside TLS).
 */
export function chooseLoginMethod(
  credentials: Credentials,
  capabilities: Capabilities,
  apopOffered: boolean,
): LoginMethod {
  const forced = credentials.mechanism?.toUpperCase();
  if (forced === 'USER' || forced === 'APOP') return forced;
  if (forced !== undefined) {
    if (!isClientMechanismSupported(forced))
      throw new TypeError(`unsupported login mechanism ${credentials.mechanism}`);
    return forced;
  }
  const hasToken = credentials.accessToken !== undefined;
  const sasl = selectClientMechanism(capabilities.sasl, {
    user: credentials.user,
    pass: credentials.pass,
    accessToken: hasToken ? 'token' : undefined,
  });
  if (hasToken) {
    if (sasl === 'OAUTHBEARER' || sasl === 'XOAUTH2') return sasl;
    if (credentials.pass === undefined) {
      throw new TypeError('the server offers neither OAUTHBEARER nor XOAUTH2 for an access token');
    }
  }
  if (credentials.pass === undefined) throw new TypeError('login needs a password or an accessToken');
  if (sasl !== undefined && CHALLENGE_RESPONSE.has(sasl)) return sasl;
  if (apopOffered) return 'APOP';
  if (sasl !== undefined) return sasl;
  return 'USER';
}
