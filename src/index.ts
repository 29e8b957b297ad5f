/** pop3kit: POP3 for Node.js. The client, its options and results, and the error classes. */

export type { BulkItem, BulkOptions, RetrievedMessage } from './client/bulk.js';
export type { RawReply } from './client/command-specs.js';
export type { DebugLevel, Pop3Logger } from './client/debug-log.js';
export type { ConnectOptions, Credentials, StartTlsMode } from './client/options.js';
export { type ClientState, Pop3Client } from './client/pop3-client.js';
export * from './errors.js';
export type { Capabilities, CapabilityMap } from './protocol/capabilities.js';
export type { MaildropStat, MessageSize, MessageUid } from './protocol/listings.js';
export type { SaslClientMechanism, SaslCredentials } from './sasl/mechanism.js';
// The mechanisms themselves are at 'pop3kit/sasl': importing them costs node:crypto and the
// SASLprep tables, which a client pays only when it authenticates with SASL.
export { CLIENT_MECHANISMS } from './sasl/names.js';
