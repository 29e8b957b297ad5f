/**
 * What `pop3kit search`, `show` and `export` share: the `--db` flag, opening the archive
 * (SQLite or PostgreSQL, loaded only when a command runs, so other commands never load
 * either), error output and exit codes.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { Archive } from '../../archive/archive.js';
import { QuerySyntaxError } from '../../archive/query.js';
import { redactUrl } from '../../fetch/archive-url.js';
import { ExitCode } from '../fetch/exit-codes.js';
import { type ArchiveSpec, parseArchive, UsageError } from '../fetch/values.js';

export interface DbFlags {
  readonly db?: string;
}

export const ARCHIVE_EXIT_HELP =
  '\nThe archive: --db sqlite:FILE, by default $XDG_DATA_HOME/pop3kit/archive.sqlite\n' +
  '(~/.local/share/pop3kit/archive.sqlite), or --db postgres://[USER@]HOST[:PORT]/DATABASE;\n' +
  'filled by pop3kit fetch --to archive:.\n' +
  'Exit codes: 0 success, 1 no such message (show), 2 usage error (a bad query, flag or\n' +
  'archive), 5 the archive or the output file could not be read or written.';

/** Adds `--db` and the shared help and exit-code handling to an archive command. */
export function archiveCommand(command: Command): Command {
  return command
    .option('--db <archive>', 'sqlite:FILE or postgres://URL (default: the per-user archive)')
    .addHelpText('after', ARCHIVE_EXIT_HELP)
    .showHelpAfterError(`(run pop3kit ${command.name()} --help for usage)`)
    .exitOverride((error) => process.exit(error.exitCode === 1 ? ExitCode.usage : error.exitCode));
}

/** The archive `--db` names (or the default one); a usage error when a SQLite file is not there. */
export function archiveSpec(flags: DbFlags): ArchiveSpec {
  const spec = parseArchive(flags.db ?? '', process.cwd());
  if (spec.store === 'sqlite' && !existsSync(spec.path)) {
    throw new UsageError(
      `no archive at ${spec.path} (fill one with pop3kit fetch --to archive:sqlite:${spec.path})`,
    );
  }
  return spec;
}

/** Opens the archive `--db` names; the caller closes it (awaiting close() ends a PostgreSQL pool). */
export async function openArchive(flags: DbFlags): Promise<Archive> {
  const spec = archiveSpec(flags);
  if (spec.store === 'postgres') {
    const { PostgresArchive } = await import('../../archive/postgres-archive.js');
    try {
      return await PostgresArchive.open(spec.path, { maxConnections: 1 });
    } catch (error) {
      throw new ArchiveFailure(
        `cannot open the archive ${redactUrl(spec.path)}: ${(error as Error).message}`,
      );
    }
  }
  const { SqliteArchive } = await import('../../archive/sqlite-archive.js');
  try {
    return SqliteArchive.open(spec.path);
  } catch (error) {
    throw new ArchiveFailure(`cannot open the archive ${spec.path}: ${(error as Error).message}`);
  }
}

/** The archive or an output file failed: exit 5. */
export class ArchiveFailure extends Error {
  override readonly name = 'ArchiveFailure';
}

/** Prints the error of an archive command and exits with its code; rethrows bugs. */
export function failWith(command: string, error: unknown, query?: string): never {
  const print = (line: string) => process.stderr.write(`${line}\n`);
  if (error instanceof QuerySyntaxError && query !== undefined) {
    print(`pop3kit ${command}: error: ${error.message}`);
    print(`  ${query}`);
    print(`  ${' '.repeat(error.position)}^`);
    process.exit(ExitCode.usage);
  }
  if (error instanceof UsageError) {
    print(`pop3kit ${command}: error: ${error.message}`);
    process.exit(ExitCode.usage);
  }
  if (error instanceof ArchiveFailure) {
    print(`pop3kit ${command}: error: ${error.message}`);
    process.exit(ExitCode.delivery);
  }
  throw error;
}
