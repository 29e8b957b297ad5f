/**
 * The `--config FILE` format (YAML). Keys are the flags' names without `--`; `defaults` apply
 * to every account; relative paths are taken from the file's directory:
 *
 *   jobs: 4
 *   defaults:
 *     to: maildir:~/Maildir
 *     delete-after: 30
 *   accounts:
 *     - name: work
 *       host: pop.example.com
 *       secure: true
 *       user: alice
 *       password-command: pass show mail/work
 *     - host: pop.example.org
 *       user: bob
 *       password-env: BOB_PASSWORD
 *       to: mbox:~/Mail/bob.mbox
 *       filters:
 *         - { header: Subject, pattern: '/^\[spam\]/i', action: discard }
 *         - { header: List-Id, pattern: announce.example.org, deliver-to: maildir:~/Mail/lists }
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { FilterRule } from '../../fetch/types.js';
import { expandPath } from './paths.js';
import type { AccountSettings } from './settings.js';
import {
  parseCount,
  parseDestination,
  parseEnvName,
  parseHost,
  parseMechanism,
  parseNonEmpty,
  parsePattern,
  parsePort,
  parseSeconds,
  parseSize,
  parseSizeAction,
  parseStartTls,
  UsageError,
} from './values.js';

type Scalar = string | number | boolean;
type Field = {
  readonly key: keyof AccountSettings;
  readonly parse: (value: unknown, base: string) => unknown;
};

function scalar(value: unknown): Scalar {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  throw new UsageError('expected a single value');
}

function boolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  throw new UsageError('expected true or false');
}

const str = (what: string) => (value: unknown) => parseNonEmpty(scalar(value), what);
const path = (value: unknown, base: string) => expandPath(parseNonEmpty(scalar(value), 'a path'), base);

/** Every account key, named as its flag. */
export const ACCOUNT_FIELDS: Readonly<Record<string, Field>> = {
  name: { key: 'name', parse: str('name') },
  host: { key: 'host', parse: (v) => parseHost(scalar(v)) },
  port: { key: 'port', parse: (v) => parsePort(scalar(v)) },
  secure: { key: 'secure', parse: boolean },
  starttls: { key: 'starttls', parse: (v) => parseStartTls(scalar(v)) },
  ca: { key: 'ca', parse: path },
  user: { key: 'user', parse: str('user') },
  password: { key: 'password', parse: str('password') },
  'password-env': { key: 'passwordEnv', parse: (v) => parseEnvName(scalar(v)) },
  'password-command': { key: 'passwordCommand', parse: str('password-command') },
  'token-command': { key: 'tokenCommand', parse: str('token-command') },
  mechanism: { key: 'mechanism', parse: (v) => parseMechanism(scalar(v)) },
  'allow-insecure-auth': { key: 'allowInsecureAuth', parse: boolean },
  timeout: { key: 'timeout', parse: (v) => parseSeconds(scalar(v)) },
  to: { key: 'to', parse: (v, base) => parseDestination(scalar(v), base) },
  keep: { key: 'keep', parse: boolean },
  delete: { key: 'delete', parse: boolean },
  'delete-after': { key: 'deleteAfter', parse: (v) => parseCount(scalar(v)) },
  'max-size': { key: 'maxSize', parse: (v) => parseSize(scalar(v)) },
  'max-size-action': { key: 'maxSizeAction', parse: (v) => parseSizeAction(scalar(v)) },
  'max-messages': { key: 'maxMessages', parse: (v) => parseCount(scalar(v)) },
  'max-bytes': { key: 'maxBytes', parse: (v) => parseSize(scalar(v)) },
  state: { key: 'state', parse: path },
  'filter-command': { key: 'filterCommand', parse: str('filter-command') },
  filters: { key: 'filters', parse: parseFilters },
};

/** Settings that only make sense together: an account giving one drops the defaults' others. */
const GROUPS: readonly (readonly string[])[] = [
  ['keep', 'delete', 'delete-after'],
  ['password', 'password-env', 'password-command', 'token-command'],
  ['secure', 'starttls'],
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function closest(key: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length]!;
  };
  const best = known.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
  return best !== undefined && best.d <= 2 ? best.k : undefined;
}

function checkKeys(object: Record<string, unknown>, known: readonly string[], where: string): void {
  for (const key of Object.keys(object)) {
    if (known.includes(key)) continue;
    const guess = closest(key, known);
    throw new UsageError(`${where}${key}: unknown setting${guess ? ` (did you mean ${guess}?)` : ''}`);
  }
}

function parseFilters(value: unknown, base: string): FilterRule[] {
  if (!Array.isArray(value)) throw new UsageError('expected a list of filters');
  return value.map((rule, i) => {
    const where = `[${i}].`;
    if (!isRecord(rule)) throw new UsageError(`[${i}]: expected header, pattern and action`);
    checkKeys(rule, ['header', 'pattern', 'action', 'deliver-to'], where);
    const at = <T>(key: string, parse: (v: Scalar) => T): T => {
      if (rule[key] === undefined) throw new UsageError(`${where}${key} is required`);
      try {
        return parse(scalar(rule[key]));
      } catch (error) {
        throw new UsageError(`${where}${key}: ${(error as Error).message}`);
      }
    };
    const header = at('header', (v) => parseNonEmpty(v, 'header'));
    const pattern = at('pattern', parsePattern);
    if ((rule.action === undefined) === (rule['deliver-to'] === undefined))
      throw new UsageError(`[${i}]: give either action (skip or discard) or deliver-to`);
    if (rule['deliver-to'] !== undefined)
      return { header, pattern, action: { deliverTo: at('deliver-to', (v) => parseDestination(v, base)) } };
    const action = at('action', (v) => {
      if (v === 'skip' || v === 'discard') return v;
      throw new UsageError(`"${v}" is not a filter action: use skip or discard (or deliver-to)`);
    });
    return { header, pattern, action };
  });
}

function parseAccount(object: Record<string, unknown>, base: string, where: string): AccountSettings {
  checkKeys(object, Object.keys(ACCOUNT_FIELDS), where);
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === null || value === undefined) continue;
    const field = ACCOUNT_FIELDS[key]!;
    try {
      settings[field.key] = field.parse(value, base);
    } catch (error) {
      throw new UsageError(`${where}${key}${key === 'filters' ? '' : ': '}${(error as Error).message}`);
    }
  }
  return settings as AccountSettings;
}

function merge(defaults: Record<string, unknown>, account: Record<string, unknown>): Record<string, unknown> {
  const merged = { ...defaults };
  for (const group of GROUPS)
    if (group.some((key) => account[key] !== undefined)) for (const key of group) delete merged[key];
  return { ...merged, ...account };
}

export interface ConfigFile {
  readonly path: string;
  readonly jobs: number | undefined;
  /** In file order, each with its position for messages ("accounts[1]"). */
  readonly accounts: readonly { readonly settings: AccountSettings; readonly where: string }[];
}

/** Reads and checks a config file. @throws UsageError naming the file, entry and key. */
export async function loadConfigFile(file: string, cwd: string): Promise<ConfigFile> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  const where = `${path}: `;
  if (!isRecord(document)) throw new UsageError(`${where}expected "accounts:" with a list of accounts`);
  checkKeys(document, ['jobs', 'defaults', 'accounts'], where);
  const base = dirname(path);
  let jobs: number | undefined;
  if (document.jobs !== undefined && document.jobs !== null) {
    try {
      jobs = parseCount(scalar(document.jobs));
    } catch (error) {
      throw new UsageError(`${where}jobs: ${(error as Error).message}`);
    }
  }
  const defaults = document.defaults ?? {};
  if (!isRecord(defaults)) throw new UsageError(`${where}defaults: expected settings (key: value)`);
  if ('name' in defaults) throw new UsageError(`${where}defaults: name belongs to each account`);
  parseAccount(defaults, base, `${where}defaults: `);
  const list = document.accounts;
  if (!Array.isArray(list) || list.length === 0)
    throw new UsageError(`${where}accounts: expected a list of at least one account`);
  const accounts = list.map((entry, i) => {
    const at = `${where}accounts[${i}]: `;
    if (!isRecord(entry)) throw new UsageError(`${at}expected settings (host: ..., user: ...)`);
    return { settings: parseAccount(merge(defaults, entry), base, at), where: at };
  });
  if (accounts.some((a) => a.settings.password !== undefined) && process.platform !== 'win32') {
    const { mode } = await stat(path);
    if ((mode & 0o077) !== 0)
      throw new UsageError(`${path} holds passwords but others can read it: run chmod 600 ${path}`);
  }
  return { path, jobs, accounts };
}
