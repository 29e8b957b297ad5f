/**
 * Parsers for flag and config-file values. The same function checks `--max-size 10M` and
 * `max-size: 10M` in YAML, so both say the same thing about the same mistake.
 */
import type { Destination } from '../../fetch/types.js';
import { CLIENT_MECHANISMS, type StartTlsMode } from '../../index.js';
import { defaultArchivePath, expandPath } from './paths.js';

/** A mistake in flags or the config file: exit code 2, nothing attempted. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Scalar = string | number | boolean;

function text(value: Scalar, what: string): string {
  if (typeof value === 'boolean') throw new UsageError(`expected ${what}, not ${value}`);
  return String(value).trim();
}

export function parsePort(value: Scalar): number {
  const s = text(value, 'a port number');
  const port = Number(s);
  if (!/^[0-9]{1,5}$/.test(s) || port < 1 || port > 65535)
    throw new UsageError(`"${s}" is not a port number (1-65535)`);
  return port;
}

/** A whole number >= `min`. */
export function parseCount(value: Scalar, min = 1): number {
  const s = text(value, 'a number');
  if (!/^[0-9]{1,15}$/.test(s) || Number(s) < min)
    throw new UsageError(`"${s}" is not a whole number${min > 0 ? ` of at least ${min}` : ''}`);
  return Number(s);
}

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Octets: `500000`, `500k`, `10M`, `1G` (binary multiples; a trailing `B` is allowed). */
export function parseSize(value: Scalar): number {
  const s = text(value, 'a size');
  const match = /^([0-9]{1,15})\s*([kmg]?)(i?b)?$/i.exec(s);
  const size = match ? Number(match[1]) * UNITS[match[2]!.toLowerCase()]! : Number.NaN;
  if (!match || !Number.isSafeInteger(size) || size < 1)
    throw new UsageError(`"${s}" is not a size: give octets, or a number with k, M or G (e.g. 10M)`);
  return size;
}

/** Seconds, possibly fractional, as milliseconds; 0 means no timeout. */
export function parseSeconds(value: Scalar): number {
  const s = text(value, 'a number of seconds');
  const seconds = Number(s);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(s) || seconds > 2_000_000)
    throw new UsageError(`"${s}" is not a number of seconds (0 for none)`);
  return Math.round(seconds * 1000);
}

export function parseStartTls(value: Scalar): StartTlsMode {
  const s = text(value, 'required, opportunistic or never');
  if (s === 'required' || s === 'opportunistic' || s === 'never') return s;
  throw new UsageError(`"${s}" is not a STARTTLS mode: use required, opportunistic or never`);
}

export function parseSizeAction(value: Scalar): 'skip' | 'delete' {
  const s = text(value, 'skip or delete');
  if (s === 'skip' || s === 'delete') return s;
  throw new UsageError(`"${s}" is not an action for large messages: use skip or delete`);
}

const LOGIN_METHODS = ['USER', 'APOP', ...CLIENT_MECHANISMS];

export function parseMechanism(value: Scalar): string {
  const s = text(value, 'a mechanism').toUpperCase();
  if (LOGIN_METHODS.includes(s)) return s;
  throw new UsageError(`"${s}" is not a login mechanism pop3kit knows: ${LOGIN_METHODS.join(', ')}`);
}

export function parseEnvName(value: Scalar): string {
  const s = text(value, 'an environment variable name');
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) return s;
  throw new UsageError(`"${s}" is not an environment variable name`);
}

export function parseHost(value: Scalar): string {
  const s = text(value, 'a host name');
  if (s !== '' && !/[\s/]/.test(s)) return s.replace(/^\[(.*)\]$/, '$1');
  throw new UsageError(`"${s}" is not a host name or address`);
}

export function parseNonEmpty(value: Scalar, what: string): string {
  const s = typeof value === 'boolean' ? '' : String(value);
  if (s.trim() === '') throw new UsageError(`${what} must not be empty`);
  return s;
}

/**
 * `maildir:DIR`, `mbox:FILE`, `mda:COMMAND`, `archive:sqlite:FILE`, `archive:postgres://URL`
 * or `archive:` (the default archive in the per-user data directory). Paths may start with `~/` and are taken relative
 * to `base` (the working directory, or the config file's directory).
 */
export function parseDestination(
  value: Scalar,
  base: string,
  env: NodeJS.ProcessEnv = process.env,
): Destination {
  const s = text(value, 'a destination');
  const colon = s.indexOf(':');
  const kind = colon < 0 ? '' : s.slice(0, colon).toLowerCase();
  const rest = s.slice(colon + 1);
  if (kind === 'archive') {
    const archive = parseArchive(rest, base, env);
    return { kind: 'archive', store: archive.store, path: archive.path };
  }
  if (rest.trim() !== '') {
    if (kind === 'maildir') return { kind: 'maildir', path: expandPath(rest, base) };
    if (kind === 'mbox') return { kind: 'mbox', path: expandPath(rest, base) };
    if (kind === 'mda') return { kind: 'mda', command: rest };
  }
  throw new UsageError(
    `"${s}" is not a destination: use maildir:DIR, mbox:FILE, mda:COMMAND or archive:sqlite:FILE ` +
      '(or archive:postgres://URL)',
  );
}

/** An archive: a SQLite file, or a PostgreSQL database by its connection URL. */
export type ArchiveSpec =
  | { readonly store: 'sqlite'; readonly path: string }
  | { readonly store: 'postgres'; readonly path: string };

/**
 * An archive (`--to archive:STORE`, `--db STORE`): `sqlite:FILE`, `postgres://URL`
 * (`postgresql://` too), or empty for the default archive (a SQLite file).
 */
export function parseArchive(value: string, base: string, env: NodeJS.ProcessEnv = process.env): ArchiveSpec {
  const s = value.trim();
  if (s === '') return { store: 'sqlite', path: defaultArchivePath(env) };
  if (/^postgres(ql)?:/i.test(s)) {
    if (/^postgres(ql)?:\/\/[^\s]*$/i.test(s)) return { store: 'postgres', path: s };
    throw new UsageError(`"${s}" is not a PostgreSQL URL: use postgres://[USER@]HOST[:PORT]/DATABASE`);
  }
  const match = /^sqlite:(.+)$/is.exec(s);
  if (match && match[1]!.trim() !== '') return { store: 'sqlite', path: expandPath(match[1]!, base) };
  throw new UsageError(
    `"${s}" is not an archive: use sqlite:FILE or postgres://URL (or nothing, for the default archive)`,
  );
}

/** `/pattern/flags` or a plain pattern (no flags), checked by compiling it. */
export function parsePattern(value: Scalar): RegExp {
  const s = text(value, 'a regular expression');
  const slashed = /^\/(.*)\/([a-z]*)$/s.exec(s);
  try {
    return slashed ? new RegExp(slashed[1]!, slashed[2]) : new RegExp(s);
  } catch (error) {
    throw new UsageError(`"${s}" is not a regular expression: ${(error as Error).message}`);
  }
}
