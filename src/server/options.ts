import type { SecureContextOptions } from 'node:tls';
import type { MailStore } from './store.js';

/** What hooks and events learn about a session. Fields fill in as the session goes on. */
export interface SessionInfo {
  /** Unique within the server process. */
  readonly id: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** TLS is up (implicit TLS or after STLS). */
  readonly secure: boolean;
  /** The logged-in user, once authenticated. */
  readonly user: string | undefined;
  readonly state: SessionState;
}

/** RFC 1939 §3's states, plus the end. */
export type SessionState = 'authorization' | 'transaction' | 'update' | 'closed';

/** How a session ended, for logs. */
export interface SessionSummary {
  readonly retrieved: number;
  readonly deleted: number;
  readonly bytesSent: number;
  readonly durationMs: number;
  /** `quit`, `timeout`, `shutdown`, `auth-failures`, `closed` (the peer went away) or `error`. */
  readonly reason: string;
}

/** A USER/PASS login for `onAuth` to judge. */
export interface LoginAttempt {
  readonly method: 'USER';
  readonly user: string;
  readonly password: string;
  readonly session: SessionInfo;
}

/**
 * Faults for testing clients, all off by default. Give an object, or a function that picks
 * faults per session (return undefined for none).
 */
export interface FaultOptions {
  /** Wait this many ms before each reply, or only before replies to the named verbs. */
  readonly delayReply?: number | Readonly<Record<string, number>>;
  /** Answer these verbs with `-ERR <text>` instead of running them, e.g.
   * `{ RETR: '[SYS/TEMP] disk on fire' }` (the text may start with a RESP-CODE). */
  readonly failCommands?: Readonly<Record<string, string>>;
  /** Drop the connection once this many bytes were sent, greeting included, mid-line or not. */
  readonly cutAfterBytes?: number;
  /** Send at most `bytes` at a time, `intervalMs` apart. */
  readonly drip?: { readonly bytes: number; readonly intervalMs: number };
  /** End every line with a bare LF instead of CRLF, like a broken Unix server. */
  readonly bareLf?: boolean;
}

/** A hook's verdict: throw to refuse; the error's message becomes the `-ERR` text. */
export type HookResult = void | Promise<void>;

export interface Pop3ServerOptions {
  /** Where mailboxes live: `new MemoryStore()`, `new MaildirStore(dir)` or your own. */
  readonly store: MailStore;
  /** Clear-text passwords by user. Enables USER/PASS, APOP and every SASL password mechanism. */
  readonly users?: ReadonlyMap<string, string> | Readonly<Record<string, string>>;
  /** Looks up a user's clear-text password (undefined: no such user). Like `users`, but yours. */
  readonly getPassword?: (user: string) => string | undefined | Promise<string | undefined>;
  /** Judges a USER/PASS login; used instead of `users`/`getPassword` for USER/PASS when given. */
  readonly onAuth?: (attempt: LoginAttempt) => boolean | Promise<boolean>;
  /** Checks an OAuth 2.0 bearer token; enables XOAUTH2 and OAUTHBEARER. */
  readonly verifyToken?: (user: string, token: string) => boolean | Promise<boolean>;
  /** SASL mechanisms to offer, upper-case; default every one the credentials above allow. */
  readonly saslMechanisms?: readonly string[];
  /** Key and certificate (and anything else of `tls.createSecureContext`). Enables STLS. */
  readonly tls?: SecureContextOptions;
  /** Implicit TLS (POP3S, RFC 8314 §3.3): every connection starts with a handshake. Needs `tls`. */
  readonly secure?: boolean;
  /**
   * Whether USER/PASS and plaintext SASL (PLAIN, LOGIN) work without TLS: `true`, `false`, or
   * `'loopback'` (default) to allow them only from 127.0.0.0/8 and ::1, as Dovecot does.
   */
  readonly allowInsecureAuth?: boolean | 'loopback';
  /** Host name in the APOP timestamp and CRAM-MD5 challenge. Default `os.hostname()`. */
  readonly hostname?: string;
  /** Text after `+OK ` in the greeting. Default `pop3kit ready.` */
  readonly greeting?: string;
  /** Concurrent connections; more are told `-ERR [SYS/TEMP]` and closed. Default 1000. */
  readonly maxConnections?: number;
  /** Close a session idle this long (ms). Default 600000: RFC 1939 §3's 10 minutes. */
  readonly idleTimeout?: number;
  /** Longest command line in octets, CRLF excluded. Default 8192 (RFC 2449 §4 asks clients
   * for 255, but SASL responses may be longer, RFC 5034 §4). */
  readonly maxLineLength?: number;
  /** Wait this long (ms) before answering a failed login, to slow password guessing. Default 1000. */
  readonly authFailureDelay?: number;
  /** Close the connection after this many failed logins. Default 3. */
  readonly maxAuthFailures?: number;
  /** Default grace period of `close()` in ms. Default 5000. */
  readonly closeTimeout?: number;
  /** Called before RETR/TOP sends a message; throw to refuse it with -ERR. */
  readonly onRetrieve?: (request: MessageRequest) => HookResult;
  /** Called on DELE before the message is marked; throw to refuse it with -ERR. */
  readonly onDelete?: (request: MessageRequest) => HookResult;
  /** Fault injection, see `FaultOptions`. */
  readonly faults?: FaultOptions | ((session: SessionInfo) => FaultOptions | undefined);
}

/** The message a RETR, TOP or DELE is about. */
export interface MessageRequest {
  readonly session: SessionInfo;
  readonly msg: number;
  readonly uid: string;
  readonly size: number;
  /** The verb: `RETR`, `TOP` or `DELE`. */
  readonly command: string;
}

export interface ResolvedLimits {
  readonly maxConnections: number;
  readonly idleTimeout: number;
  readonly maxLineLength: number;
  readonly authFailureDelay: number;
  readonly maxAuthFailures: number;
  readonly closeTimeout: number;
}

export function resolveLimits(options: Pop3ServerOptions): ResolvedLimits {
  return {
    maxConnections: options.maxConnections ?? 1000,
    idleTimeout: options.idleTimeout ?? 10 * 60 * 1000,
    maxLineLength: options.maxLineLength ?? 8192,
    authFailureDelay: options.authFailureDelay ?? 1000,
    maxAuthFailures: options.maxAuthFailures ?? 3,
    closeTimeout: options.closeTimeout ?? 5000,
  };
}
