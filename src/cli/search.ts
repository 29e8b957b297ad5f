/** `pop3kit search QUERY`: the archive's messages matching a query, newest first. Parses and prints. */
import type { Command } from 'commander';
import { parseQuery } from '../archive/query.js';
import { archiveCommand, type DbFlags, failWith, openArchive } from './archive/db.js';
import { searchJson, searchTable } from './archive/format.js';
import { flag } from './fetch/flags.js';
import { parseCount } from './fetch/values.js';

interface SearchFlags extends DbFlags {
  readonly json?: boolean;
  readonly limit?: number;
}

const QUERY_HELP = `
Query (terms are ANDed; notmuch / Gmail style):
  word "a phrase"          free text (subject, addresses, body, attachment names)
  from:X to:X subject:X    in that field (X a word or a "quoted phrase")
  account:NAME             fetched from that account (e.g. alice@pop.example.com)
  after:YYYY-MM-DD         on or after that day (local time zone, TZ)
  before:YYYY-MM-DD        before that day
  has:attachment
  thread:ID                the whole conversation of message ID (the number search prints,
                           or the "thread" of a --json line)
  thread:<MESSAGE-ID>      the conversation of that Message-ID (angle brackets optional;
                           also an id only replies name, e.g. a parent not archived)
  -TERM                    negates any term, e.g. -from:ada -has:attachment
Conversations link messages by Message-ID, In-Reply-To and References.
Example: pop3kit search 'from:ada has:attachment after:2024-01-01' --json
         pop3kit search 'thread:42 -from:ada'
A query that starts with '-' goes after '--': pop3kit search -- '-from:ada lunch'`;

export function registerSearch(program: Command): void {
  const command = program
    .command('search')
    .description('search the archive (filled by pop3kit fetch --to archive:), newest first')
    .argument('<query>', "the query (quote it: 'from:ada has:attachment')")
    .option('--json', 'one JSON object per line: id, messageId, date, from, subject, account, thread...')
    .option(
      '--limit <n>',
      'at most N messages',
      flag((v) => parseCount(v)),
    )
    .addHelpText('after', QUERY_HELP);
  archiveCommand(command).action(async (query: string, flags: SearchFlags) => {
    let output: string;
    try {
      const ast = parseQuery(query);
      const archive = await openArchive(flags);
      try {
        const rows = await archive.search(ast, { limit: flags.limit });
        output = flags.json
          ? rows.map((r) => `${searchJson(r)}\n`).join('')
          : searchTable(rows, process.stdout.isTTY ? process.stdout.columns : undefined);
      } finally {
        await archive.close();
      }
    } catch (error) {
      failWith('search', error, query);
    }
    process.stdout.write(output);
  });
}
