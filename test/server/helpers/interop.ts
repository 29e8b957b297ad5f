// Shared setup for the tests where real POP3 clients (Python's poplib, mpop, fetchmail) judge
// the server: a Maildir holding a corpus of awkward messages, a server over it, and a way to
// run a client binary without blocking the event loop the server runs on.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MaildirStore, Pop3Server, type SessionInfo } from '../../../src/server/index.js';
import { getTestCerts } from '../../helpers/certs.js';
import { TempMaildirs } from './maildir.js';

/** Messages as a Maildir keeps them (LF line ends), chosen to trip up framing and stuffing. */
export function corpus(): Buffer[] {
  const big = Array.from({ length: 6000 }, (_, i) =>
    i % 50 === 0 ? `.line ${i} starts with a dot` : `line ${i} ${'x'.repeat(i % 70)}`,
  );
  return [
    'From: a@example.org\nTo: alice@example.org\nSubject: plain\n\nHello.\n',
    'From: a@example.org\nSubject: dots\n\n.\n..\n...\n.leading\n. space\nend.\n.\n',
    'From: a@example.org\nSubject: =?UTF-8?B?w6ljbGFpcg==?=\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nh\u00e9llo w\u00f6rld \u2713\n',
    'From: a@example.org\nSubject: empty body\n\n',
    `From: a@example.org\nSubject: long line\n\n${'y'.repeat(1500)}\nshort\n`,
    'From: a@example.org\nSubject: mbox-ish\n\nFrom the start of a line\n>From quoted\n\n\nblank lines above\n',
    `From: a@example.org\nSubject: big\n\n${big.join('\n')}\n`,
  ].map((m) => Buffer.from(m, 'utf8'));
}

export interface InteropServer {
  readonly server: Pop3Server;
  readonly port: number;
  readonly maildirs: TempMaildirs;
  /** The corpus as delivered, by file name. */
  readonly delivered: ReadonlyMap<string, Buffer>;
  /** A scratch directory for client configuration and output. */
  readonly work: string;
  readonly caFile: string;
  /** Every successful login, to check that the client really used TLS when asked to. */
  readonly logins: SessionInfo[];
  cleanup(): Promise<void>;
}

/** Delivers the corpus to alice's Maildir and serves it with STLS available. */
export async function startInteropServer(): Promise<InteropServer> {
  const maildirs = new TempMaildirs();
  const delivered = new Map<string, Buffer>();
  for (const message of corpus()) delivered.set(maildirs.deliver('alice', message), message);
  const certs = getTestCerts();
  const server = new Pop3Server({
    store: new MaildirStore(maildirs.root),
    users: { alice: 'secret' },
    tls: { key: certs.keyPem, cert: certs.certPem },
    hostname: 'localhost',
    authFailureDelay: 0,
  });
  const logins: SessionInfo[] = [];
  server.on('login', (info) => logins.push(info));
  const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
  const work = mkdtempSync(join(tmpdir(), 'pop3kit-interop-'));
  return {
    server,
    port,
    maildirs,
    delivered,
    work,
    caFile: certs.caFile,
    logins,
    async cleanup() {
      await server.close({ graceMs: 0 });
      maildirs.remove();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Full path of an executable: the first of `preferred` that exists, else the first on PATH. */
export function findExecutable(name: string, preferred: readonly string[] = []): string | undefined {
  for (const path of preferred) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  return undefined;
}

/** Runs a client asynchronously (the server under test shares this event loop). */
export function run(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Contents of every regular file in `dir` (not recursive), sorted. */
export function readAll(dir: string): Buffer[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(dir, entry.name)))
    .sort(Buffer.compare);
}

/** The corpus, sorted the same way as `readAll`, for a whole-set comparison. */
export function sortedCorpus(delivered: ReadonlyMap<string, Buffer>): Buffer[] {
  return [...delivered.values()].sort(Buffer.compare);
}
