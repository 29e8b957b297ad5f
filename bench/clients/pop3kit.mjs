// The pop3kit side of the bench: what a user would write. Logs in, STAT, then either
// retrMany over every message ('many'), retrStream of each message to a file ('stream'), or
// retrManyStreams to files ('streams'). Prints what it got as JSON for the bench to check.
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const config = JSON.parse(process.argv[2]);
// `dist` lets the bench compare a patched build (before/after a change) with this tree's.
const { Pop3Client } = await import(config.dist ?? '../../dist/src/index.js');
const client = await Pop3Client.connect({
  host: config.host,
  port: config.port,
  secure: config.secure,
  starttls: config.secure ? undefined : 'never',
  tls: config.caFile ? { ca: readFileSync(config.caFile) } : undefined,
  // USER/PASS like every other client in the bench (SCRAM would cost extra round trips).
  auth: { user: config.user, pass: config.pass, mechanism: 'USER' },
  ...(config.window ? { maxInFlight: config.window } : {}),
});
const { count } = await client.stat();
const all = Array.from({ length: count }, (_, i) => i + 1);
const sizes = [];
if (config.mode === 'stream') {
  for (const msg of all) {
    const path = join(config.outDir, `${msg}.eml`);
    await pipeline(await client.retrStream(msg), createWriteStream(path));
    sizes.push(statSync(path).size);
  }
} else if (config.mode === 'streams') {
  for await (const { msg, data } of client.retrManyStreams(all)) {
    const path = join(config.outDir, `${msg}.eml`);
    await pipeline(data, createWriteStream(path));
    sizes.push(statSync(path).size);
  }
} else {
  for await (const { data } of client.retrMany(all)) sizes.push(data.length);
}
await client.quit();
process.stdout.write(
  `${JSON.stringify({ count: sizes.length, sizes, maxRss: process.resourceUsage().maxRSS })}\n`,
);
