/** `pop3kit export QUERY --mbox FILE`: the archive's matches as one mboxrd file. */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { parseQuery } from '../archive/query.js';
import { mboxEntry } from '../fetch/mboxrd.js';
import { toLf } from '../protocol/line-ends.js';
import { ArchiveFailure, archiveCommand, type DbFlags, failWith, openArchive } from './archive/db.js';
import { expandPath } from './fetch/paths.js';

interface ExportFlags extends DbFlags {
  readonly mbox: string;
}

export function registerExport(program: Command): void {
  const command = program
    .command('export')
    .description('write the archived messages matching QUERY to an mboxrd file (oldest first)')
    .argument('<query>', "the query, as for pop3kit search ('' for every message)")
    .requiredOption('--mbox <file>', 'the mbox file to write (replaced if it exists)');
  archiveCommand(command).action(async (query: string, flags: ExportFlags) => {
    let count = 0;
    let target = '';
    try {
      const ast = parseQuery(query);
      target = expandPath(flags.mbox, process.cwd());
      const archive = await openArchive(flags);
      try {
        // Oldest first, as an mbox grows; written beside the target and renamed over it.
        const rows = (await archive.search(ast)).reverse();
        const temporary = `${target}.pop3kit-export-${process.pid}`;
        try {
          const fd = openSync(temporary, 'wx', 0o600);
          try {
            for (const row of rows) {
              const raw = await archive.raw(row.id);
              if (raw === undefined) continue;
              writeSync(fd, mboxEntry(toLf(raw), new Date(row.date ?? Date.now())));
              count++;
            }
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
          renameSync(temporary, target);
        } catch (error) {
          rmSync(temporary, { force: true });
          throw new ArchiveFailure(`cannot write ${target}: ${(error as Error).message}`);
        }
      } finally {
        await archive.close();
      }
    } catch (error) {
      failWith('export', error, query);
    }
    process.stderr.write(`pop3kit export: ${count} message${count === 1 ? '' : 's'} written to ${target}\n`);
  });
}
