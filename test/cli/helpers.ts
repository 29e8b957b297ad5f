// Helpers for the CLI tests: run the compiled `pop3kit` as npm's bin link does, with a
// private HOME (no real ~/.netrc, ~/Maildir or ~/.local/state is ever touched), against
// pop3kit/server on 127.0.0.1 in this process.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, Pop3Server, type Pop3ServerOptions } from '../../src/server/index.js';

export const MAIN = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
export const DEMO = join(process.cwd(), 'dist', 'src', 'cli', 'demo.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Variables added to a clean environment (PATH and the given HOME only). */
  readonly env?: Readonly<Record<string, string>>;
  readonly home: string;
  readonly cwd?: string;
  readonly script?: string;
}

/** Runs `node dist/src/cli/main.js ARGS` (or another script) to its end. Must be async: the
 * server the CLI talks to lives in this process. */
export function runCli(args: readonly string[], options: RunOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Starts the CLI; `done` settles when it has exited. */
export function startCli(
  args: readonly string[],
  options: RunOptions,
): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [options.script ?? MAIN, ...args], {
    cwd: options.cwd ?? options.home,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.home, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, done };
}

/** A temp directory, removed by `remove()`. */
export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'pop3kit-cli-'));

  sub(name: string): string {
    const path = join(this.path, name);
    mkdirSync(path, { recursive: true });
    return path;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** A small message with a recognisable subject. */
export function message(n: number, extra = ''): string {
  return `From: Bob <bob@example.org>\r\nSubject: message ${n}\r\nMessage-ID: <m${n}@example.org>\r\n\r\nbody ${n}\r\n${extra}`;
}

export interface TestServer {
  readonly server: Pop3Server;
  readonly store: MemoryStore;
  readonly port: number;
  close(): Promise<void>;
}

/** pop3kit/server on 127.0.0.1: alice (password "secret") with `messages`, bob ("builder") empty. */
export async function startServer(
  messages: readonly string[] = [message(1), message(2), message(3)],
  overrides: Partial<Pop3ServerOptions> = {},
): Promise<TestServer> {
  const store = (overrides.store as MemoryStore | undefined) ?? new MemoryStore({ alice: messages, bob: [] });
  const server = new Pop3Server({
    users: { alice: 'secret', bob: 'builder' },
    authFailureDelay: 0,
    ...overrides,
    store,
  });
  const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
  return { server, store, port, close: () => server.close({ graceMs: 0 }) };
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Files in a Maildir's new/ (empty when it does not exist). */
export function maildirNew(dir: string): string[] {
  try {
    return readdirSync(join(dir, 'new')).sort();
  } catch {
    return [];
  }
}

/** The JSON lines of a `--json` run. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Three messages for the archive commands' tests (SQLite and PostgreSQL): a multipart
 * report with a CSV attachment, a lunch note, an older note with a From_ line to quote. */
export const ARCHIVE_MAIL = {
  report:
    'From: Ada Lovelace <ada@example.org>\r\nTo: Demo <demo@example.net>\r\nSubject: Quarterly report\r\n' +
    'Date: Fri, 1 Mar 2024 10:00:00 +0000\r\nMessage-ID: <report@example.org>\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n' +
    'The figures are attached.\r\n--b1\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename="q1.csv"\r\n\r\n' +
    'a,b\r\n1,2\r\n--b1--\r\n',
  lunch:
    'From: Bob <bob@example.org>\r\nTo: Demo <demo@example.net>\r\nSubject: Lunch?\r\n' +
    'Date: Sat, 2 Mar 2024 12:00:00 +0000\r\nMessage-ID: <lunch@example.org>\r\n\r\nNoon at the usual place.\r\n',
  old:
    'From: Ada Lovelace <ada@example.org>\r\nTo: Demo <demo@example.net>\r\nSubject: Notes on the engine\r\n' +
    'Date: Thu, 1 Feb 2024 09:00:00 +0000\r\nMessage-ID: <notes@example.org>\r\n\r\n' +
    'From the engine room:\r\n>From quoted\r\nthe end\r\n',
} as const;
