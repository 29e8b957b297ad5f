import { timingSafeEqual } from 'node:crypto';
import { apopDigest } from '../sasl/index.js';
import { passwordsMatch, type SaslServerLookup, SERVER_MECHANISMS } from '../sasl/server/index.js';
import type { LoginAttempt, Pop3ServerOptions } from './options.js';

const PASSWORD_MECHANISMS = new Set(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'CRAM-MD5', 'PLAIN', 'LOGIN']);
const TOKEN_MECHANISMS = new Set(['OAUTHBEARER', 'XOAUTH2']);
/** Mechanisms that put a password or token on the wire as it is: refused without TLS unless
 * allowed (Dovecot's disable_plaintext_auth covers the same set). */
const PLAINTEXT_MECHANISMS = new Set(['PLAIN', 'LOGIN', 'OAUTHBEARER', 'XOAUTH2']);

export function isPlaintextMechanism(name: string): boolean {
  return PLAINTEXT_MECHANISMS.has(name);
}

/** The server's view of its users: which login methods it can check, and checking them. */
export class Credentials implements SaslServerLookup {
  readonly #getPassword: ((user: string) => string | undefined | Promise<string | undefined>) | undefined;
  readonly #onAuth: Pop3ServerOptions['onAuth'];
  readonly #verifyToken: Pop3ServerOptions['verifyToken'];
  /** Offered SASL mechanisms, strongest first. */
  readonly mechanisms: readonly string[];

  constructor(options: Pop3ServerOptions) {
    const users = options.users;
    if (users !== undefined) {
      const map = users instanceof Map ? users : new Map(Object.entries(users));
      this.#getPassword = (user) => map.get(user);
    } else {
      this.#getPassword = options.getPassword;
    }
    this.#onAuth = options.onAuth;
    this.#verifyToken = options.verifyToken;
    const wanted = options.saslMechanisms?.map((m) => m.toUpperCase());
    this.mechanisms = SERVER_MECHANISMS.filter((name) => {
      if (wanted !== undefined && !wanted.includes(name)) return false;
      if (PASSWORD_MECHANISMS.has(name)) return this.#getPassword !== undefined;
      if (TOKEN_MECHANISMS.has(name)) return this.#verifyToken !== undefined;
      return false;
    });
  }

  /** APOP needs the clear-text password on this side (RFC 1939 §7). */
  get apop(): boolean {
    return this.#getPassword !== undefined;
  }

  get userPass(): boolean {
    return this.#onAuth !== undefined || this.#getPassword !== undefined;
  }

  async checkLogin(attempt: LoginAttempt): Promise<boolean> {
    if (this.#onAuth !== undefined) return (await this.#onAuth(attempt)) === true;
    const stored = await this.getPassword(attempt.user);
    return stored !== undefined && passwordsMatch(attempt.password, stored);
  }

  async checkApop(user: string, timestamp: string, digest: string): Promise<boolean> {
    const stored = await this.getPassword(user);
    if (stored === undefined || !/^[0-9a-fA-F]{32}$/.test(digest)) return false;
    const expected = Buffer.from(apopDigest(timestamp, stored), 'hex');
    return timingSafeEqual(expected, Buffer.from(digest, 'hex'));
  }

  async getPassword(user: string): Promise<string | undefined> {
    return this.#getPassword === undefined ? undefined : await this.#getPassword(user);
  }

  async verifyToken(user: string, token: string): Promise<boolean> {
    return this.#verifyToken === undefined ? false : (await this.#verifyToken(user, token)) === true;
  }
}
