/** What `pop3kit info` learns about a server: gathered by gather.ts, printed by format.ts or as JSON. */
import type { CapabilityMap } from '../../index.js';
import type { TlsInfo } from './tls-probe.js';

export type ErrorKind = 'auth' | 'network' | 'tls';

export interface CapabilityStage {
  readonly stage: string;
  readonly capabilities: CapabilityMap | null;
}

export interface InfoReport {
  host: string;
  port: number;
  greeting: string | null;
  security: 'implicit TLS' | 'STLS' | 'none';
  stlsOffered: boolean;
  tls: TlsInfo | null;
  stages: CapabilityStage[];
  mechanisms: string[];
  login: { user: string; ok: boolean; error: string | null } | null;
  error: { kind: ErrorKind; message: string } | null;
}
