/**
 * The retriever behind `pop3kit fetch`: fetchAccount() and its contract (types.ts).
 * Exactly once into Maildir and mbox, at least once into an MDA, whatever stops a run.
 */
export { FetchError } from './errors.js';
export { fetchAccount } from './fetch-account.js';
export type {
  AccountConfig,
  DeletePolicy,
  Destination,
  FetchEvents,
  FetchFailureKind,
  FetchOptions,
  FetchSummary,
  FilterRule,
  MessageEvent,
  MessageOutcome,
} from './types.js';
