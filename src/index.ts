/** pop3kit: POP3 for Node.js. The client, its options and results, and the error classes. */

export type { DebugLevel, Pop3Logger } from './client/debug-log.js';
export type { ConnectOptions, Credentials, StartTlsMode } from './client/options.js';
export {
  type BulkOptions,
  type ClientState,
  Pop3Client,
  type RetrievedMessage,
} from './client/pop3-client.js';
export * from './errors.js';
export type { Capabilities, CapabilityMap } from './protocol/capabilities.js';
export type { MaildropStat, MessageSize, MessageUid } from './protocol/listings.js';
export {
  CLIENT_MECHANISMS,
  createClientMechanism,
  type SaslClientMechanism,
  type SaslCredentials,
} from './sasl/index.js';
