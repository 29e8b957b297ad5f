/**
 * `~/.netrc` (the ftp/curl/Python format): `machine HOST login USER password PASS` entries,
 * a `default` entry, `macdef` blocks skipped, `#` comments, and Python's double-quoted tokens.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './values.js';

export interface NetrcEntry {
  /** undefined for the `default` entry. */
  readonly machine: string | undefined;
  readonly login?: string;
  readonly password?: string;
  readonly account?: string;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*#/.test(line)) continue;
    const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
    for (let m = re.exec(line); m !== null; m = re.exec(line)) {
      const token = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
      tokens.push(token);
      if (token === 'macdef' && m[1] === undefined) {
        // A macro runs to the next empty line; its body is not netrc tokens.
        while (i + 1 < lines.length && lines[i + 1]!.trim() !== '') i++;
        break;
      }
    }
  }
  return tokens;
}

export function parseNetrc(text: string): NetrcEntry[] {
  const tokens = tokenize(text);
  const entries: NetrcEntry[] = [];
  let current:
    | { machine: string | undefined; login?: string; password?: string; account?: string }
    | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === 'machine' || token === 'default') {
      if (current) entries.push(current);
      current = { machine: token === 'machine' ? tokens[++i] : undefined };
    } else if (token === 'macdef') {
      if (current) entries.push(current);
      current = undefined;
    } else if (current && (token === 'login' || token === 'password' || token === 'account')) {
      current[token] = tokens[++i];
    }
  }
  if (current) entries.push(current);
  return entries;
}

/**
 * The entry for `host` (and `user`, when known): an exact machine match with that login
 * first, then the `default` entry. A password found in a file others can read is refused,
 * as ftp and Python's netrc module do.
 */
export async function lookupNetrc(
  host: string,
  user: string | undefined,
  home: string = homedir(),
): Promise<NetrcEntry | undefined> {
  const path = join(home, '.netrc');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const entries = parseNetrc(text);
  const fits = (e: NetrcEntry) => user === undefined || e.login === undefined || e.login === user;
  const entry =
    entries.find((e) => e.machine?.toLowerCase() === host.toLowerCase() && fits(e)) ??
    entries.find((e) => e.machine === undefined && fits(e));
  if (entry?.password !== undefined && process.platform !== 'win32') {
    const { mode } = await stat(path);
    if ((mode & 0o077) !== 0)
      throw new UsageError(`${path} holds passwords but others can read it: run chmod 600 ${path}`);
  }
  return entry;
}
