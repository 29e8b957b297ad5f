import type { SessionState } from './options.js';

export interface CapabilityContext {
  readonly state: SessionState;
  /** TLS is configured and this connection has not started it yet. */
  readonly stlsAvailable: boolean;
  /** USER/PASS and plaintext SASL may be used on this connection right now. */
  readonly plaintextAllowed: boolean;
  readonly userPass: boolean;
  /** SASL mechanisms usable on this connection right now. */
  readonly mechanisms: readonly string[];
}

/**
 * The CAPA list (RFC 2449 §5), true to what this connection can do at this moment: login
 * methods and STLS only before login, USER only where a plaintext password is accepted,
 * as Dovecot does. Clients read CAPA again after STLS and after login.
 */
export function capabilityLines(context: CapabilityContext): string[] {
  const lines = ['CAPA', 'TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
  if (context.state === 'authorization') {
    if (context.userPass && context.plaintextAllowed) lines.push('USER');
    if (context.mechanisms.length > 0) lines.push(`SASL ${context.mechanisms.join(' ')}`);
    if (context.stlsAvailable) lines.push('STLS');
    // RFC 6856 §2: "UTF8 USER" also allows UTF-8 in USER/PASS; UTF8 is valid before login only.
    lines.push('UTF8 USER');
  }
  lines.push('IMPLEMENTATION pop3kit');
  return lines;
}
