// The retriever side of the bench: `fetchAccount` (what `pop3kit fetch` runs) into a fresh
// Maildir or mbox and a fresh state file, keep policy, fsyncs and all. The destination lives
// on a real disk (config.outDir, not tmpfs), so the fsyncs cost what they cost a user. Prints
// the summary; the bench reads what arrived from disk after the process has exited (untimed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const config = JSON.parse(process.argv[2]);
// Must come before anything uses libuv's thread pool: its size is read when it starts.
if (config.threadpool) process.env.UV_THREADPOOL_SIZE = String(config.threadpool);
const { fetchAccount } = await import(config.dist ?? '../../dist/src/fetch/index.js');

const kind = config.mode === 'mbox' ? 'mbox' : 'maildir';
const summary = await fetchAccount({
  name: `${config.user}@bench`,
  host: config.host,
  port: config.port,
  secure: config.secure,
  starttls: config.secure ? undefined : 'never',
  tls: config.caFile ? { ca: readFileSync(config.caFile) } : undefined,
  user: config.user,
  password: async () => config.pass,
  mechanism: 'USER',
  destination: { kind, path: join(config.outDir, kind === 'mbox' ? 'mbox' : 'Maildir') },
  deletePolicy: { kind: 'keep' },
  statePath: join(config.outDir, 'state.sqlite'),
});
process.stdout.write(
  `${JSON.stringify({
    delivered: summary.delivered,
    failed: summary.failed,
    octets: summary.octets,
    maxRss: process.resourceUsage().maxRSS,
  })}\n`,
);
