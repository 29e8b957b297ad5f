// Shared by the fetch tests: a pop3kit/server on 127.0.0.1, account configs pointing at it,
// and readers that turn a Maildir or an mbox back into messages for comparison.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMboxrd } from '../../src/fetch/mboxrd.js';
import type { AccountConfig } from '../../src/fetch/types.js';
import { toLf } from '../../src/protocol/line-ends.js';
import { MemoryStore, Pop3Server, type Pop3ServerOptions } from '../../src/server/index.js';

export const PASSWORD = 'secret';

export interface TestServer {
  readonly port: number;
  readonly store: MemoryStore;
  readonly server: Pop3Server;
  close(): Promise<void>;
}

/** A MemoryStore server with `messages` for each user (password PASSWORD). */
export async function startServer(
  mailboxes: Record<string, readonly (Buffer | string)[]>,
  options: Partial<Pop3ServerOptions> = {},
): Promise<TestServer> {
  const store = new MemoryStore(mailboxes);
  const users = Object.fromEntries(Object.keys(mailboxes).map((user) => [user, PASSWORD]));
  const server = new Pop3Server({ store, users, authFailureDelay: 0, ...options });
  server.on('sessionError', () => {});
  const { port } = await server.listen();
  return { port, store, server, close: () => server.close({ graceMs: 0 }) };
}

export function tempDir(prefix = 'pop3kit-fetch-'): string {
  return fs.mkdtempSync(join(tmpdir(), prefix));
}

/** A config for `user` on the test server, delivering into `dir`/Maildir unless told otherwise. */
export function accountFor(
  port: number,
  user: string,
  dir: string,
  overrides: Partial<AccountConfig> = {},
): AccountConfig {
  return {
    name: `${user}@127.0.0.1`,
    host: '127.0.0.1',
    port,
    starttls: 'never',
    user,
    password: async () => PASSWORD,
    timeout: 20_000,
    destination: { kind: 'maildir', path: join(dir, 'Maildir') },
    deletePolicy: { kind: 'keep' },
    statePath: join(dir, 'state.sqlite'),
    ...overrides,
  };
}

/** Every message file in a Maildir's new/ and cur/. */
export function maildirMessages(dir: string): Buffer[] {
  return ['new', 'cur'].flatMap((sub) => {
    const path = join(dir, sub);
    if (!fs.existsSync(path)) return [];
    return fs
      .readdirSync(path)
      .sort()
      .map((name) => fs.readFileSync(join(path, name)));
  });
}

export function mboxMessages(path: string): Buffer[] {
  return fs.existsSync(path) ? parseMboxrd(fs.readFileSync(path)) : [];
}

export const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * Compares what was delivered with the source (line ends aside: delivered files use LF).
 * Returns the hashes missing, the duplicates and the strangers, all empty when exactly once.
 */
export function compareDelivered(
  source: readonly (Buffer | string)[],
  delivered: readonly Buffer[],
): { lost: string[]; duplicates: string[]; unexpected: string[] } {
  const want = new Map<string, number>();
  for (const message of source) {
    const h = sha(toLf(Buffer.isBuffer(message) ? message : Buffer.from(message)));
    want.set(h, (want.get(h) ?? 0) + 1);
  }
  const got = new Map<string, number>();
  for (const message of delivered) got.set(sha(message), (got.get(sha(message)) ?? 0) + 1);
  const lost = [...want].filter(([h, n]) => (got.get(h) ?? 0) < n).map(([h]) => h);
  const duplicates = [...got].filter(([h, n]) => want.has(h) && n > want.get(h)!).map(([h]) => h);
  const unexpected = [...got.keys()].filter((h) => !want.has(h));
  return { lost, duplicates, unexpected };
}

/** Realistic small messages, CRLF, each unique; some have body lines that mbox must quote. */
export function makeMessages(count: number, tag = 'm'): string[] {
  return Array.from({ length: count }, (_, i) => {
    const tricky = i % 7 === 0 ? 'From the desk of nobody\r\n>From quoted\r\n>>From twice\r\n' : '';
    const dots = i % 11 === 0 ? '.\r\n..leading dots\r\n' : '';
    return (
      `Return-Path: <sender${i}@example.org>\r\nFrom: Sender ${i} <sender${i}@example.org>\r\n` +
      `To: user@example.net\r\nSubject: ${tag} message ${i}\r\nMessage-ID: <${tag}.${i}@example.org>\r\n` +
      `Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nHello ${i}.\r\n${tricky}${dots}${'body text '.repeat(i % 20)}\r\n`
    );
  });
}
