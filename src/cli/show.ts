/** `pop3kit show ID`: one archived message, readable or (`--raw`) as the exact bytes. */
import type { Command } from 'commander';
import { archiveCommand, type DbFlags, failWith, openArchive } from './archive/db.js';
import { messageView } from './archive/format.js';
import { ExitCode } from './fetch/exit-codes.js';
import { parseCount } from './fetch/values.js';

interface ShowFlags extends DbFlags {
  readonly raw?: boolean;
}

export function registerShow(program: Command): void {
  const command = program
    .command('show')
    .description('print an archived message (an id from pop3kit search): headers and text')
    .argument('<id>', 'the message id (the ID column of pop3kit search, "id" with --json)')
    .option('--raw', 'the exact bytes as fetched, to stdout');
  archiveCommand(command).action(async (idText: string, flags: ShowFlags) => {
    let output: Buffer | string | undefined;
    try {
      const id = parseCount(idText);
      const archive = await openArchive(flags);
      try {
        if (flags.raw) output = await archive.raw(id);
        else {
          const message = await archive.show(id);
          output = message && messageView(message);
        }
      } finally {
        await archive.close();
      }
    } catch (error) {
      failWith('show', error);
    }
    if (output === undefined) {
      process.stderr.write(`pop3kit show: error: no message ${idText} in the archive\n`);
      process.exit(ExitCode.partial);
    }
    process.stdout.write(output);
  });
}
