#!/usr/bin/env node
// Starts the bench's Dovecot, seeds the mailboxes named (default: all but huge), writes the
// connection details as JSON to --info FILE (or stdout), and serves until SIGINT/SIGTERM.
// For profiling or trying a client by hand:
//   node bench/serve.mjs --info /tmp/bench.json small big
//   node --cpu-prof bench/clients/pop3kit.mjs '{"host":"127.0.0.1","port":...,"user":"small",...}'
import * as fs from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listSizes, loadHarness, passwordOf, seed, startBenchDovecot } from './lib/server.mjs';

const { values, positionals } = parseArgs({ options: { info: { type: 'string' } }, allowPositionals: true });
const harness = await loadHarness();
const skip = harness.dovecotSkipReason();
if (skip) {
  console.error(`cannot serve: ${skip}`);
  process.exit(1);
}
const dovecot = await startBenchDovecot(harness);
const caFile = join(dovecot.dir, 'bench-ca.pem');
fs.writeFileSync(caFile, dovecot.caPem);
const mailboxes = {};
for (const user of positionals.length ? positionals : ['small', 'big', 'mixed', 'k1']) {
  const seeded = seed(dovecot, user);
  mailboxes[user] = {
    pass: passwordOf(user),
    sizes: await listSizes(dovecot, user, seeded),
    dots: seeded.dots,
  };
}
const info = { host: '127.0.0.1', port: dovecot.port, securePort: dovecot.securePort, caFile, mailboxes };
const text = `${JSON.stringify(info)}\n`;
if (values.info) fs.writeFileSync(values.info, text);
else process.stdout.write(text);
console.error(`serving on 127.0.0.1:${dovecot.port} (TLS ${dovecot.securePort}); Ctrl-C stops`);
const stop = () => dovecot.stop().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
