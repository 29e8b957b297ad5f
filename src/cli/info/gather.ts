/**
 * The session of `pop3kit info`: connects, reads the greeting and the capabilities before and
 * after STLS and login, and probes the certificate. Failures go into the report, not out.
 */
import net from 'node:net';
import { homedir } from 'node:os';
import { type CapabilityMap, Pop3Client, type StartTlsMode } from '../../index.js';
import type { ConnectionSettings } from '../connection-flags.js';
import { promptHidden } from '../fetch/prompt.js';
import { COMMAND_LINE_PASSWORD_WARNING } from '../fetch/run.js';
import { readCa, resolveLogin } from '../fetch/settings.js';
import type { ErrorKind, InfoReport } from './report.js';
import { probeTls } from './tls-probe.js';

export interface InfoFlags extends ConnectionSettings {
  readonly host: string;
  readonly json?: boolean;
}

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

/**
 * Talks to the server and reports what it learnt. A failure there goes into `report.error`;
 * only bad flags (UsageError) and an interrupted password prompt throw.
 */
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
