/**
 * `pop3kit info`: what a POP3 server offers, like mpop's --serverinfo: greeting, TLS and its
 * certificate, capabilities in words (before and after STLS and login) and login mechanisms.
 */
import net from 'node:net';
import { homedir } from 'node:os';
import tls from 'node:tls';
import { type Command, Option } from 'commander';
import { type CapabilityMap, Pop3Client, type StartTlsMode } from '../index.js';
import { ExitCode } from './fetch/exit-codes.js';
import { flag, pathFlag } from './fetch/flags.js';
import { promptHidden } from './fetch/prompt.js';
import { COMMAND_LINE_PASSWORD_WARNING } from './fetch/run.js';
import { readCa, resolveLogin } from './fetch/settings.js';
import {
  parseEnvName,
  parseHost,
  parseMechanism,
  parseNonEmpty,
  parsePort,
  parseSeconds,
  parseStartTls,
  UsageError,
} from './fetch/values.js';

interface InfoFlags {
  readonly host: string;
  readonly port?: number;
  readonly secure?: boolean;
  readonly starttls?: StartTlsMode;
  readonly ca?: string;
  readonly user?: string;
  readonly password?: string;
  readonly passwordEnv?: string;
  readonly passwordCommand?: string;
  readonly tokenCommand?: string;
  readonly mechanism?: string;
  readonly allowInsecureAuth?: boolean;
  readonly timeout?: number;
  readonly json?: boolean;
}

interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly subjectAltName: string | null;
  readonly serialNumber: string;
  readonly fingerprint256: string;
}

interface TlsInfo {
  readonly protocol: string | null;
  readonly cipher: string;
  /** The chain leads to a trusted CA and the name matches: what pop3kit fetch requires. */
  readonly trusted: boolean;
  readonly problem: string | null;
  readonly certificate: CertificateInfo | null;
}

interface CapabilityStage {
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
  error: { kind: 'auth' | 'network' | 'tls'; message: string } | null;
}

// ---- capabilities in words (RFC 2449 §6, RFC 6856) ----

function duration(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds >= 3600 && seconds % 3600 === 0) return unit(seconds / 3600, 'hour');
  if (seconds >= 120 && seconds % 60 === 0) return unit(seconds / 60, 'minute');
  return unit(seconds, 'second');
}

/** One capability in words, e.g. EXPIRE 30 -> "messages are kept 30 days". */
export function describeCapability(name: string, args: readonly string[]): string {
  const perUser =
    args[1]?.toUpperCase() === 'USER' ? ' by default (each user may differ: log in to see yours)' : '';
  const first = args[0] ?? '';
  switch (name) {
    case 'CAPA':
      return 'lists its capabilities';
    case 'TOP':
      return 'headers can be read without the body (TOP)';
    case 'UIDL':
      return 'unique message ids: only new mail needs fetching';
    case 'USER':
      return 'login with USER/PASS';
    case 'SASL':
      return `SASL login: ${args.join(' ')}`;
    case 'STLS':
      return 'TLS can be started on this connection (STLS)';
    case 'PIPELINING':
      return 'commands can be pipelined (fast bulk retrieval)';
    case 'RESP-CODES':
      return 'extended response codes such as [IN-USE] and [LOGIN-DELAY]';
    case 'AUTH-RESP-CODE':
      return 'tells a wrong password ([AUTH]) from a temporary failure';
    case 'UTF8':
      return args.some((a) => a.toUpperCase() === 'USER')
        ? 'UTF-8 mail (RFC 6856), and UTF-8 user names and passwords'
        : 'UTF-8 mail (RFC 6856)';
    case 'LANG':
      return 'server messages in other languages (LANG)';
    case 'IMPLEMENTATION':
      return `server software: ${args.join(' ')}`;
    case 'EXPIRE': {
      if (first.toUpperCase() === 'NEVER') return `messages are kept until deleted${perUser}`;
      const days = Number(first);
      if (!/^[0-9]+$/.test(first)) return `EXPIRE ${args.join(' ')}`;
      if (days === 0)
        return `messages are deleted once retrieved: mail cannot be left on the server${perUser}`;
      return `messages are kept ${days} day${days === 1 ? '' : 's'}${perUser}`;
    }
    case 'LOGIN-DELAY': {
      if (!/^[0-9]+$/.test(first)) return `LOGIN-DELAY ${args.join(' ')}`;
      return `at least ${duration(Number(first))} between logins${perUser}`;
    }
    default:
      return args.join(' ');
  }
}

// ---- the certificate, through a connection of its own ----

/** Reads one CRLF line from a plain socket (the probe's greeting and STLS reply). */
function readLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(10);
      if (end < 0 && buffered.length < 8192) return;
      cleanup();
      resolve(
        buffered
          .subarray(0, end < 0 ? buffered.length : end)
          .toString('latin1')
          .replace(/\r$/, ''),
      );
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('the server closed the connection'));
    };
    const cleanup = () => {
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('error', reject);
      socket.pause();
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', reject);
    socket.resume();
  });
}

function certificateInfo(cert: tls.PeerCertificate): CertificateInfo {
  const dn = (fields: tls.Certificate) =>
    Object.entries(fields)
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
      .join(', ');
  return {
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    validFrom: new Date(cert.valid_from).toISOString(),
    validTo: new Date(cert.valid_to).toISOString(),
    subjectAltName: cert.subjectaltname ?? null,
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
  };
}

/**
 * The server's certificate, with verification done but not enforced, so an untrusted one can
 * still be shown. Pop3Client does not expose its peer certificate, hence a connection of its own.
 */
async function probeTls(
  host: string,
  port: number,
  stls: boolean,
  ca: tls.ConnectionOptions,
  timeout: number,
): Promise<TlsInfo> {
  let plain: net.Socket | undefined;
  const deadline = timeout > 0 ? AbortSignal.timeout(timeout) : undefined;
  const guard = <T>(promise: Promise<T>): Promise<T> =>
    deadline
      ? Promise.race([
          promise,
          new Promise<never>((_, reject) =>
            deadline.addEventListener('abort', () => reject(new Error(`no answer within ${timeout} ms`))),
          ),
        ])
      : promise;
  try {
    if (stls) {
      const socket = net.connect({ host, port });
      plain = socket;
      const greeting = await guard(readLine(socket));
      if (!greeting.startsWith('+OK')) throw new Error(`greeting: ${greeting}`);
      socket.write('STLS\r\n');
      const reply = await guard(readLine(socket));
      if (!reply.startsWith('+OK')) throw new Error(`STLS refused: ${reply}`);
    }
    const secure = tls.connect({
      ...ca,
      host,
      ...(plain ? { socket: plain } : { port }),
      ...(net.isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
    });
    try {
      await guard(
        new Promise<void>((resolve, reject) => {
          secure.once('secureConnect', resolve);
          secure.once('error', reject);
        }),
      );
      const cert = secure.getPeerCertificate();
      const hasCert = cert !== undefined && Object.keys(cert).length > 0;
      const nameError = hasCert ? tls.checkServerIdentity(host, cert) : undefined;
      const problem = secure.authorizationError
        ? `not trusted: ${secure.authorizationError}`
        : nameError
          ? `wrong name: ${nameError.message}`
          : null;
      if (!secure.destroyed) secure.end('QUIT\r\n');
      return {
        protocol: secure.getProtocol(),
        cipher: secure.getCipher().standardName ?? secure.getCipher().name,
        trusted: problem === null,
        problem,
        certificate: hasCert ? certificateInfo(cert) : null,
      };
    } finally {
      setImmediate(() => secure.destroy());
    }
  } finally {
    plain?.destroy();
  }
}

// ---- the session ----

type ErrorKind = 'auth' | 'network' | 'tls';

function classify(error: unknown): ErrorKind {
  const code = (error as { code?: unknown }).code;
  if (
    code === 'POP3_AUTH_ERROR' ||
    (error as Error).name === 'SecretSourceError' ||
    error instanceof TypeError
  )
    return 'auth';
  if (code === 'POP3_TLS_ERROR' || code === 'POP3_SECURITY_ERROR') return 'tls';
  return 'network';
}

const EXIT: Record<ErrorKind, number> = {
  auth: ExitCode.auth,
  network: ExitCode.network,
  tls: ExitCode.network,
};

function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

async function capaOrNull(client: Pop3Client): Promise<CapabilityMap | null> {
  try {
    return await client.capa();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'POP3_SERVER_ERROR') return null;
    throw error;
  }
}

function mechanismsOf(caps: CapabilityMap | null, greeting: string): string[] {
  const found: string[] = [];
  if (caps && 'USER' in caps) found.push('USER');
  if (/<[^<>\s@]+@[^<>\s]+>/.test(greeting)) found.push('APOP');
  for (const m of caps?.SASL ?? []) found.push(m.toUpperCase());
  return found;
}

export async function gatherInfo(flags: InfoFlags, warn: (message: string) => void): Promise<InfoReport> {
  const { host } = flags;
  const secure = flags.secure === true;
  const port = flags.port ?? (secure ? 995 : 110);
  const timeout = flags.timeout ?? 60_000;
  const ca = flags.ca === undefined ? {} : await readCa(flags.ca);
  const mode: StartTlsMode = flags.starttls ?? (isLoopbackName(host) ? 'opportunistic' : 'required');
  const wantsLogin = [
    flags.user,
    flags.password,
    flags.passwordEnv,
    flags.passwordCommand,
    flags.tokenCommand,
  ].some((v) => v !== undefined);
  const login = wantsLogin
    ? await resolveLogin(flags, host, (user) => `${user}@${host}`, {
        env: process.env,
        home: homedir(),
        interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
        label: (key) => `--${key}`,
        where: '',
        literalPasswordWarning: COMMAND_LINE_PASSWORD_WARNING,
      })
    : undefined;
  for (const warning of login?.warnings ?? []) warn(warning);
  if (login?.prompt)
    login.prompt.answer = await promptHidden(
      `Password for ${login.prompt.account}: `,
      process.stdin,
      process.stderr,
    );

  const report: InfoReport = {
    host,
    port,
    greeting: null,
    security: secure ? 'implicit TLS' : 'none',
    stlsOffered: false,
    tls: null,
    stages: [],
    mechanisms: [],
    login: null,
    error: null,
  };
  const fail = (error: unknown) => {
    report.error = { kind: classify(error), message: (error as Error).message };
  };
  const probe = async (stls: boolean) => {
    try {
      report.tls = await probeTls(host, port, stls, ca, timeout);
    } catch {
      // The session reports why TLS failed; the probe only adds the certificate when it can.
    }
  };
  if (secure) await probe(false);
  let client: Pop3Client;
  try {
    client = await Pop3Client.connect({
      host,
      port,
      secure,
      starttls: 'never', // STLS is done below, to show the capabilities before it too
      tls: ca,
      timeout,
      allowInsecureAuth: flags.allowInsecureAuth,
    });
  } catch (error) {
    fail(error);
    return report;
  }
  try {
    report.greeting = client.welcome;
    let caps = await capaOrNull(client);
    report.stages.push({ stage: secure ? 'before login' : 'before STLS and login', capabilities: caps });
    if (!secure) {
      report.stlsOffered = caps !== null && 'STLS' in caps;
      if (report.stlsOffered && mode !== 'never') {
        try {
          await client.stls();
        } catch (error) {
          await probe(true);
          throw error;
        }
        report.security = 'STLS';
        await probe(true);
        caps = await capaOrNull(client);
        report.stages.push({ stage: 'after STLS, before login', capabilities: caps });
      } else if (mode === 'required') {
        report.error = {
          kind: 'tls',
          message: `${host} does not offer STLS; use --secure (port 995), or --starttls never to accept plaintext`,
        };
      }
    }
    report.mechanisms = mechanismsOf(caps, client.welcome);
    if (login && report.error === null) {
      try {
        await client.login({
          user: login.user,
          pass: login.password ? await login.password() : undefined,
          accessToken: login.accessToken,
          mechanism: flags.mechanism,
        });
        report.login = { user: login.user, ok: true, error: null };
        report.stages.push({ stage: `after login as ${login.user}`, capabilities: await capaOrNull(client) });
      } catch (error) {
        report.login = { user: login.user, ok: false, error: (error as Error).message };
        throw error;
      }
    }
    await client.quit();
  } catch (error) {
    fail(error);
  } finally {
    client.close();
  }
  return report;
}

// ---- printing ----

function daysUntil(iso: string): string {
  const days = Math.floor((Date.parse(iso) - Date.now()) / 86_400_000);
  return days < 0 ? `EXPIRED ${-days} days ago` : `expires in ${days} days`;
}

export function formatReport(report: InfoReport): string {
  const lines: string[] = [`POP3 server ${report.host} port ${report.port}`];
  const field = (label: string, value: string) => lines.push(`  ${`${label}:`.padEnd(13)}${value}`);
  if (report.greeting !== null) field('Greeting', report.greeting);
  const tlsInfo = report.tls;
  const how = tlsInfo ? ` (${tlsInfo.protocol ?? 'TLS'}, ${tlsInfo.cipher})` : '';
  if (report.security === 'implicit TLS') field('Security', `implicit TLS${how}`);
  else if (report.security === 'STLS') field('Security', `STLS, upgraded to TLS${how}`);
  else if (report.greeting !== null)
    field(
      'Security',
      report.stlsOffered ? 'none: STLS offered but not used (--starttls never)' : 'none: no STLS offered',
    );
  if (tlsInfo?.certificate) {
    const cert = tlsInfo.certificate;
    lines.push('', `TLS certificate (${tlsInfo.trusted ? 'trusted, name matches' : tlsInfo.problem}):`);
    field('Subject', cert.subject);
    field('Issuer', cert.issuer);
    field('Valid', `${cert.validFrom} to ${cert.validTo} (${daysUntil(cert.validTo)})`);
    if (cert.subjectAltName) field('Names', cert.subjectAltName);
    field('SHA-256', cert.fingerprint256);
    field('Serial', cert.serialNumber);
  }
  for (const { stage, capabilities } of report.stages) {
    lines.push('', `Capabilities ${stage}:`);
    if (capabilities === null) {
      lines.push('  (CAPA not supported)');
      continue;
    }
    const names = Object.keys(capabilities);
    const width = Math.max(...names.map((n) => n.length), 4) + 2;
    for (const name of names)
      lines.push(`  ${name.padEnd(width)}${describeCapability(name, capabilities[name]!)}`);
  }
  if (report.greeting !== null)
    lines.push(
      '',
      `Login mechanisms: ${report.mechanisms.length > 0 ? report.mechanisms.join(', ') : 'none offered'}`,
    );
  if (report.login?.ok) lines.push(`Logged in as ${report.login.user}.`);
  return `${lines.join('\n')}\n`;
}

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description("show a POP3 server's greeting, TLS certificate, capabilities and login mechanisms")
    .requiredOption('--host <host>', 'POP3 server', flag(parseHost))
    .option('--port <port>', 'port (default 110, or 995 with --secure)', flag(parsePort))
    .option('--secure', 'TLS from the first byte (POP3S)')
    .addOption(
      new Option(
        '--starttls <mode>',
        'STLS: required (default; opportunistic for localhost), opportunistic, never',
      ).argParser(flag(parseStartTls)),
    )
    .option('--ca <file>', 'trust the CA certificates in this PEM file', pathFlag)
    .option('--user <user>', 'also log in, to show the capabilities after login')
    .option('--password-env <name>', 'read the password from this environment variable', flag(parseEnvName))
    .option(
      '--password-command <cmd>',
      'run CMD with /bin/sh; its output is the password',
      flag((v) => parseNonEmpty(v, 'the command')),
    )
    .option('--password <password>', 'the password itself (visible to other users)')
    .option(
      '--token-command <cmd>',
      'OAuth2: run CMD for an access token',
      flag((v) => parseNonEmpty(v, 'the command')),
    )
    .option('--mechanism <name>', 'login mechanism (default: the strongest offered)', flag(parseMechanism))
    .option('--allow-insecure-auth', 'allow a password over an unencrypted connection to another host')
    .option(
      '--timeout <seconds>',
      'give up after this long without an answer (default 60)',
      flag(parseSeconds),
    )
    .option('--json', 'print the report as one JSON object')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 2 usage error, 3 login failed, 4 network or TLS failure\n' +
        '(the report shows what was learnt before the failure).',
    )
    .showHelpAfterError('(run pop3kit info --help for usage)')
    .exitOverride((error) => process.exit(error.exitCode === 1 ? ExitCode.usage : error.exitCode))
    .action(async (flags: InfoFlags) => {
      const warn = (message: string) => process.stderr.write(`pop3kit info: warning: ${message}\n`);
      let report: InfoReport;
      try {
        report = await gatherInfo(flags, warn);
      } catch (error) {
        if (!(error instanceof UsageError) && (error as Error).name !== 'PromptInterrupted') throw error;
        process.stderr.write(`pop3kit info: error: ${(error as Error).message}\n`);
        process.exit(error instanceof UsageError ? ExitCode.usage : ExitCode.interrupted);
      }
      const code = report.error ? EXIT[report.error.kind] : ExitCode.ok;
      if (flags.json) process.stdout.write(`${JSON.stringify({ ...report, exitCode: code })}\n`);
      else process.stdout.write(formatReport(report));
      if (report.error)
        process.stderr.write(`pop3kit info: ${report.error.kind} failure: ${report.error.message}\n`);
      process.stdout.write('', () => process.exit(code));
    });
}
