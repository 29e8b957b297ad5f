// Pieces of transcripts the client tests share, and the three transports the session suite
// runs over (poplib's TestPOP3_SSLClass(TestPOP3Class) idea: same tests, plain and TLS).
import type tls from 'node:tls';
import { type ConnectOptions, Pop3Client } from '../../src/index.js';
import { getTestCerts } from '../helpers/certs.js';
import type { ScriptedServer, ScriptOptions, Step } from '../helpers/scripted-server.js';

/** RFC 1939 §7's APOP example greeting: the digest of "tanstaaf" is c4c9334bac560ecc979e58001b3e22fb. */
export const APOP_GREETING = '+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n';
export const GREETING = '+OK POP3 server ready\r\n';
export const CAPS = ['TOP', 'UIDL', 'USER', 'RESP-CODES'];

/** A multi-line reply: "+OK", the lines, the terminating dot line (lines are sent as given). */
export function multiline(lines: readonly string[], eol = '\r\n', status = '+OK'): string {
  return [status, ...lines, '.'].map((line) => line + eol).join('');
}

export function capaSteps(caps: readonly string[]): Step[] {
  return [{ expect: 'CAPA\r\n' }, { send: multiline(caps, '\r\n', '+OK Capability list follows') }];
}

/** Greeting and the CAPA the client reads on connect. */
export function opening(caps: readonly string[] = CAPS, greeting = GREETING): Step[] {
  return [{ send: greeting }, ...capaSteps(caps)];
}

/** USER/PASS accepted, then the CAPA the client reads again after login. */
export function loginSteps(caps: readonly string[] = CAPS): Step[] {
  return [
    { expect: 'USER alice\r\n' },
    { send: '+OK\r\n' },
    { expect: 'PASS secret\r\n' },
    { send: '+OK logged in\r\n' },
    ...capaSteps(caps),
  ];
}

export const QUIT: Step[] = [{ expect: 'QUIT\r\n' }, { send: '+OK bye\r\n' }, { close: true }];

export function clientTls(): tls.ConnectionOptions {
  return { ca: getTestCerts().caPem };
}

/** Connects to the scripted server with a short-ish timeout, so a broken script fails fast. */
export function connect(server: ScriptedServer, options: Partial<ConnectOptions> = {}): Promise<Pop3Client> {
  return Pop3Client.connect({ host: server.host, port: server.port, timeout: 3000, ...options });
}

export interface Transport {
  readonly name: string;
  readonly secure: boolean;
  readonly server: ScriptOptions;
  client(): Partial<ConnectOptions>;
  /** What happens between the TCP connect and a ready session, for these capabilities. */
  open(caps?: readonly string[], greeting?: string): Step[];
}

export const TRANSPORTS: readonly Transport[] = [
  { name: 'plain TCP', secure: false, server: {}, client: () => ({}), open: opening },
  {
    name: 'implicit TLS',
    secure: true,
    server: { secure: true },
    client: () => ({ secure: true, tls: clientTls() }),
    open: opening,
  },
  {
    name: 'STLS',
    secure: true,
    server: {},
    client: () => ({ tls: clientTls() }),
    open: (caps = CAPS, greeting = GREETING) => [
      ...opening([...caps, 'STLS'], greeting),
      { expect: 'STLS\r\n' },
      { send: '+OK Begin TLS negotiation\r\n' },
      { startTls: true },
      ...capaSteps(caps),
    ],
  },
];
