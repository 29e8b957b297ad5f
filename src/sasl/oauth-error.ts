/** The JSON error a server sends as a continuation when an OAuth token is refused
 * (RFC 7628 §3.2.2; Google's XOAUTH2 sends the same shape). */

import { decodeUtf8 } from './bytes.js';

export interface OAuthErrorDetails {
  /** `invalid_token` (RFC 7628) or an HTTP status such as `401` (XOAUTH2). */
  readonly status: string | undefined;
  /** The scope the token would need. */
  readonly scope: string | undefined;
  /** RFC 7628 `openid-configuration`: where to discover the authorization server. */
  readonly openidConfiguration: string | undefined;
}

/** Reads the error challenge; undefined when it is not a JSON object (the exchange fails anyway). */
export function parseOAuthError(challenge: Uint8Array): OAuthErrorDetails | undefined {
  const text = decodeUtf8(challenge);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const field = (key: string): string | undefined => {
    const v = record[key];
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  };
  return {
    status: field('status'),
    scope: field('scope'),
    openidConfiguration: field('openid-configuration'),
  };
}
