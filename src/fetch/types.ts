/**
 * The retriever's contract: what `pop3kit fetch` (src/cli) hands to the core (src/fetch),
 * and what comes back. The CLI only builds an AccountConfig from flags or a config file and
 * prints FetchEvents; everything that can lose or duplicate mail lives behind fetchAccount().
 */
import type tls from 'node:tls';
import type { StartTlsMode } from '../client/options.js';

export type Destination =
  | { readonly kind: 'maildir'; readonly path: string }
  | { readonly kind: 'mbox'; readonly path: string }
  /** A shell command that gets the message on stdin; exit 0 means delivered (at least once). */
  | { readonly kind: 'mda'; readonly command: string };

export type DeletePolicy =
  | { readonly kind: 'keep' }
  | { readonly kind: 'after-delivery' }
  | { readonly kind: 'after-days'; readonly days: number };

export interface FilterRule {
  /** Header name, case-insensitive (e.g. 'Subject', 'From', 'List-Id'). */
  readonly header: string;
  /** Matched against the decoded header value. */
  readonly pattern: RegExp;
  readonly action: 'skip' | 'discard' | { readonly deliverTo: Destination };
}

export interface AccountConfig {
  /** A label for output and the state store key, e.g. 'alice@pop.example.com'. */
  readonly name: string;
  readonly host: string;
  readonly port?: number;
  readonly secure?: boolean;
  readonly starttls?: StartTlsMode;
  readonly tls?: tls.ConnectionOptions;
  readonly user: string;
  /** Resolved lazily, once per connection (password command, keyring, prompt...). */
  readonly password?: () => Promise<string>;
  /** OAuth2 token source (token command). */
  readonly accessToken?: () => Promise<string>;
  readonly mechanism?: string;
  readonly allowInsecureAuth?: boolean;
  readonly timeout?: number;
  readonly destination: Destination;
  readonly deletePolicy: DeletePolicy;
  /** Messages over this size (octets, from LIST) are skipped, or deleted when `action` says. */
  readonly maxMessageSize?: { readonly limit: number; readonly action: 'skip' | 'delete' };
  /** At most this many messages / octets per run. */
  readonly maxMessages?: number;
  readonly maxBytes?: number;
  readonly filters?: readonly FilterRule[];
  /** External filter command (mpop-style): message on stdin; exit 0 deliver, 1 skip, 2 discard. */
  readonly filterCommand?: string;
  /** Where this account's state lives (SQLite file). */
  readonly statePath: string;
}

export type MessageOutcome = 'delivered' | 'skipped' | 'discarded' | 'deleted' | 'failed';

export interface MessageEvent {
  readonly account: string;
  readonly uid: string;
  readonly msg: number;
  readonly size: number;
  readonly outcome: MessageOutcome;
  /** Where it went (a Maildir file, an mbox path, 'mda'), for delivered messages. */
  readonly location?: string;
  readonly error?: Error;
}

export interface FetchEvents {
  /** After UIDL/LIST: what this run will fetch. */
  onPlan?(plan: { account: string; messages: number; octets: number; alreadySeen: number }): void;
  /** Octets received so far in this run (for progress bars). */
  onProgress?(progress: { account: string; messages: number; octets: number }): void;
  onMessage?(event: MessageEvent): void;
  /** Non-fatal notices (a server without UIDL, a password given on the command line...). */
  onWarning?(warning: { account: string; message: string }): void;
}

export interface FetchOptions {
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  readonly events?: FetchEvents;
}

export interface FetchSummary {
  readonly account: string;
  readonly delivered: number;
  readonly skipped: number;
  readonly discarded: number;
  readonly deleted: number;
  readonly failed: number;
  readonly octets: number;
  /** For --dry-run: what would be fetched. */
  readonly planned: readonly { uid: string; msg: number; size: number }[];
}

/** Why a fetch ended early; the CLI maps it to an exit code. */
export type FetchFailureKind = 'auth' | 'network' | 'tls' | 'protocol' | 'delivery' | 'config';
