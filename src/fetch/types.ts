/**
 * The retriever's contract: what `pop3kit fetch` (src/cli) hands to the core (src/fetch),
 * and what comes back. The CLI only builds an AccountConfig from flags or a config file and
 * prints FetchEvents; everything that can lose or duplicate mail lives behind fetchAccount().
 */
import type tls from 'node:tls';
import type { StartTlsMode } from '../client/options.js';

/**
 * Where messages go. Maildir and mbox get LF line ends and exactly-once delivery across
 * crashes; an MDA cannot be looked into, so it gets at least once (a run killed while the
 * MDA runs delivers that message again).
 */
export type Destination =
  /** Created (tmp/, new/, cur/) if missing; messages land in new/. */
  | { readonly kind: 'maildir'; readonly path: string }
  /** mboxrd, appended under a `PATH.lock` dotlock; created if missing. */
  | { readonly kind: 'mbox'; readonly path: string }
  /** Run by /bin/sh -c with the message (LF line ends) on stdin and POP3KIT_UID in the
   * environment; exit 0 means delivered, anything else fails the run (nothing is deleted). */
  | { readonly kind: 'mda'; readonly command: string }
  /** The archive of `pop3kit search` (created if missing): `path` is the SQLite file, or for
   * 'postgres' the connection URL (postgres://...). A message counts as delivered once the
   * archive transaction holding it has committed; exactly once. */
  | { readonly kind: 'archive'; readonly store: 'sqlite' | 'postgres'; readonly path: string };

/** When delivered messages leave the server. DELE is sent only for messages already
 * recorded as delivered (or discarded), and only QUIT commits it (RFC 1939 §6). */
export type DeletePolicy =
  | { readonly kind: 'keep' }
  | { readonly kind: 'after-delivery' }
  /** N days after the message was first seen by a run (not after its delivery). */
  | { readonly kind: 'after-days'; readonly days: number };

/**
 * A rule on the headers (fetched with TOP n 0 before RETR). The first matching rule wins.
 * 'skip': not retrieved, kept on the server, looked at again next run.
 * 'discard': never delivered, remembered as done; it leaves the server when the delete policy
 * would delete a delivered message (so never under 'keep').
 */
export interface FilterRule {
  /** Header name, case-insensitive (e.g. 'Subject', 'From', 'List-Id'). */
  readonly header: string;
  /** Matched against the decoded header value (unfolded, RFC 2047 encoded-words decoded);
   * with several such headers (Received), any match counts. */
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
  /** Messages over this size (octets, from LIST) are skipped (left on the server), or with
   * 'delete' deleted without delivery, whatever the delete policy. */
  readonly maxMessageSize?: { readonly limit: number; readonly action: 'skip' | 'delete' };
  /** At most this many messages / octets per run, in server order; the rest wait for later
   * runs (reported as skipped, reason 'limit'). A message that does not fit in the octets left
   * waits while smaller ones after it still come. */
  readonly maxMessages?: number;
  readonly maxBytes?: number;
  readonly filters?: readonly FilterRule[];
  /** External filter command (mpop-style), run by /bin/sh -c after the header rules: the
   * headers (TOP n 0, LF line ends) on stdin; exit 0 deliver, 1 skip (keep on the server, ask
   * again next run), 2 discard (as FilterRule's 'discard'); any other exit fails the message. */
  readonly filterCommand?: string;
  /** Where this account's state lives (SQLite file). Several accounts may share one file
   * (rows are keyed by `name`); a run locks its account with a `<statePath>.<hash>.lock` file. */
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
  /** Why it was skipped, discarded or deleted: 'filter', 'filter-command', 'too-big',
   * 'limit' (maxMessages/maxBytes), 'after-delivery', 'after-days'. */
  readonly reason?: string;
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
  /** List what would be fetched (summary.planned); no state is written, nothing retrieved. */
  readonly dryRun?: boolean;
  /** Aborting closes the connection at once; messages already received in full are still
   * delivered, nothing is deleted (no QUIT), and the run ends with FetchError kind 'aborted'. */
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
  /** What this run set out to fetch (for --dry-run: what would be fetched). */
  readonly planned: readonly { uid: string; msg: number; size: number }[];
  /** The messages that failed (counted in `failed`): a -ERR on RETR, a failing filter
   * command... They stay on the server and are tried again next run. A run that resolves
   * with failures is a partial success. */
  readonly failures: readonly { uid: string; msg: number; reason: string }[];
  /** Deliveries interrupted by an earlier crash and settled at the start of this run. */
  readonly recovered: number;
}

/**
 * Why a fetch ended early; the CLI maps it to an exit code. 'busy': the maildrop is in use
 * (-ERR [IN-USE] or [LOGIN-DELAY]), another run holds this account's state, or another
 * program has held the mbox lock for 30 s: try later.
 * 'aborted': `signal` fired. 'state': the state file cannot be opened or written.
 */
export type FetchFailureKind =
  | 'auth'
  | 'network'
  | 'tls'
  | 'protocol'
  | 'delivery'
  | 'config'
  | 'busy'
  | 'aborted'
  | 'state';
