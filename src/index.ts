/** pop3kit: POP3 for Node.js. The client, its options and results, and the error classes. */
export { Pop3Client, type ClientState } from './client/pop3-client.js';
export type { ConnectOptions, Credentials, StartTlsMode } from './client/options.js';
export type { DebugLevel, Pop3Logger } from './client/debug-log.js';
export type { Capabilities, CapabilityMap } from './protocol/capabilities.js';
export type { MaildropStat, MessageSize, MessageUid } from './protocol/listings.js';
export * from './errors.js';
export {
  type SaslClientMechanism,
  type SaslCredentials,
  createClientMechanism,
  CLIENT_MECHANISMS,
} from './sasl/index.js';
