/**
 * The names of the client mechanisms and the order `login()` prefers them in, apart from
 * the mechanisms themselves: the client needs the names on every connection, the crypto
 * behind them (node:crypto, SASLprep tables) only when it authenticates with SASL.
 */
import type { SaslCredentials } from './mechanism.js';

/** Every mechanism `createClientMechanism` knows, upper-case, strongest first. */
export const CLIENT_MECHANISMS: readonly string[] = [
  'SCRAM-SHA-256',
  'SCRAM-SHA-1',
  'CRAM-MD5',
  'PLAIN',
  'LOGIN',
  'OAUTHBEARER',
  'XOAUTH2',
  'EXTERNAL',
];

/** Mechanism names are case-insensitive (RFC 4422 §3.1); CAPA's SASL line is usually upper-case. */
export function isClientMechanismSupported(name: string): boolean {
  return CLIENT_MECHANISMS.includes(name.toUpperCase());
}

/** Strongest first. A token picks the OAuth mechanisms; a password picks SCRAM (the server
 * proves itself too), then CRAM-MD5 (no password on the wire), then PLAIN and LOGIN. EXTERNAL
 * is never picked implicitly: it depends on a client certificate the caller chose. */
const PASSWORD_ORDER = ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'CRAM-MD5', 'PLAIN', 'LOGIN'];
const TOKEN_ORDER = ['OAUTHBEARER', 'XOAUTH2'];

/** Picks the mechanism to use from the server's CAPA `SASL` list, or undefined if none fits. */
export function selectClientMechanism(
  offered: readonly string[],
  credentials: SaslCredentials,
): string | undefined {
  const available = new Set(offered.map((name) => name.toUpperCase()));
  const order = [
    ...(credentials.accessToken !== undefined ? TOKEN_ORDER : []),
    ...(credentials.pass !== undefined ? PASSWORD_ORDER : []),
  ];
  return order.find((name) => available.has(name));
}
