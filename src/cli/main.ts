#!/usr/bin/env node
/** The `pop3kit` command: registers the subcommands and parses the arguments, nothing more. */

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerExport } from './export.js';
import { registerFetch } from './fetch.js';
import { registerInfo } from './info.js';
import { registerSearch } from './search.js';
import { registerServe } from './serve.js';
import { registerShow } from './show.js';

// Compiled to dist/src/cli/main.js, three levels below the package root.
const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('pop3kit')
  .description('POP3 for Node.js: a client library, a retriever and a server')
  .version(version);
registerFetch(program);
registerInfo(program);
registerServe(program);
registerSearch(program);
registerShow(program);
registerExport(program);

await program.parseAsync(process.argv);
