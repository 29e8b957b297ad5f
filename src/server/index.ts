/**
 * `pop3kit/server`: an embeddable POP3 server for tests and for serving a real Maildir.
 * @packageDocumentation
 */

export { wireSize } from '../protocol/line-ends.js';
export { MaildirStore, type MaildirStoreOptions } from './maildir-store.js';
export { MemoryStore, type StoredMessage } from './memory-store.js';
export type {
  FaultOptions,
  HookResult,
  LoginAttempt,
  MessageRequest,
  Pop3ServerOptions,
  SessionInfo,
  SessionState,
  SessionSummary,
} from './options.js';
export { type ListenOptions, Pop3Server, type Pop3ServerEvents } from './pop3-server.js';
export {
  LockTable,
  type Mailbox,
  MailboxInUseError,
  type MailStore,
  MailStoreError,
  type MessageInfo,
} from './store.js';
export { loadUsersFile, parseUsersFile } from './users-file.js';
