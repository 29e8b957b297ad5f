/** The APOP digest (RFC 1939 §7). Finding and validating the greeting timestamp is protocol/'s job. */

import { createHash } from 'node:crypto';

/**
 * `APOP name digest`: the lowercase hex MD5 of the greeting timestamp (angle brackets included)
 * followed by the shared secret, both as UTF-8.
 */
export function apopDigest(timestamp: string, secret: string): string {
  return createHash('md5').update(timestamp, 'utf8').update(secret, 'utf8').digest('hex');
}
