import type net from 'node:net';
import type tls from 'node:tls';
import type { DebugLevel, Pop3Logger } from './debug-log.js';

export type StartTlsMode = 'required' | 'opportunistic' | 'never';

/** Login credentials. `accessToken` may be a function so a caller can refresh OAuth2 tokens. */
export interface Credentials {
  readonly user: string;
  readonly pass?: string;
  readonly accessToken?: string | (() => string | Promise<string>);
  /** Authorization identity for SASL mechanisms that carry one (PLAIN, SCRAM, EXTERNAL). */
  readonly authzid?: string;
  /** Force a mechanism: a SASL name ('PLAIN', 'SCRAM-SHA-256', ...), 'APOP' or 'USER'. */
  readonly mechanism?: string;
}

export interface ConnectOptions {
  readonly host: string;
  /** 110, or 995 when `secure`. */
  readonly port?: number;
  /** Implicit TLS from the first byte (RFC 8314; poplib's POP3_SSL). */
  readonly secure?: boolean;
  /** STLS policy for plain connections: 'required' by default, 'opportunistic' for loopback. */
  readonly starttls?: StartTlsMode;
  /** Passed to Node's TLS (ca, cert, key, servername, ...); certificates are verified. */
  readonly tls?: tls.ConnectionOptions;
  /** Milliseconds without progress while a reply is owed (default 60000; 0: none). */
  readonly timeout?: number;
  /** Milliseconds to establish TCP/TLS (default: `timeout`; 0: none). */
  readonly connectTimeout?: number;
  /**
   * Opens the connection yourself (a proxy, a tunnel, a Unix socket): return a socket that is
   * connected or connecting; pop3kit adds implicit TLS on top when `secure`. Since the peer
   * address then says nothing about the server, only a loopback `host` counts as loopback.
   */
  readonly createConnection?: (options: { readonly host: string; readonly port: number }) => net.Socket;
  /** Aborting closes the connection and rejects what is pending. */
  readonly signal?: AbortSignal;
  readonly debugLevel?: DebugLevel;
  readonly logger?: Pop3Logger;
  /** Log in during connect. */
  readonly auth?: Credentials;
  /** Allow credentials over plaintext to a non-loopback host (default false). */
  readonly allowInsecureAuth?: boolean;
  /** Longest status or listing line accepted (default 8 KiB). */
  readonly maxLineLength?: number;
  /** Largest message accepted by RETR/TOP (default: no limit; bodies stream). */
  readonly maxMessageSize?: number;
  /** Largest LIST/UIDL/CAPA reply accepted (default 64 MiB: ~3 million messages). */
  readonly maxListingSize?: number;
  /** Most commands written ahead of their replies when pipelining (default 200). */
  readonly maxInFlight?: number;
  /** 'auto' pipelines when CAPA lists PIPELINING (RFC 2449 §6.6); 'on' and 'off' force it. */
  readonly pipelining?: 'auto' | 'on' | 'off';
}
