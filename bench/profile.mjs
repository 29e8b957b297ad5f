#!/usr/bin/env node
// `npm run bench:profile`: runs the pop3kit bench client under `node --cpu-prof` against the
// bench's Dovecot (5,000 small messages with retrMany, 100 MiB with retrStream to a file) and
// prints where the time went: by area (pop3kit, Node internals, GC, idle) and by function.
// The .cpuprofile files are kept in .bench/profiles/ (open them in Chrome DevTools).
//
//   node bench/profile.mjs [--only small,big] [--secure] [--window N] [--interval US] [--top N]
import * as fs from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { format, summarise } from './lib/cpuprofile.mjs';
import { measure } from './lib/measure.mjs';
import { listSizes, loadHarness, passwordOf, root, seed, startBenchDovecot } from './lib/server.mjs';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: 'small,big' },
    secure: { type: 'boolean', default: false },
    window: { type: 'string' },
    interval: { type: 'string', default: '250' },
    top: { type: 'string', default: '25' },
  },
});
const PROFILES = {
  small: { user: 'small', mode: 'many' },
  big: { user: 'big', mode: 'stream' },
  mixed: { user: 'mixed', mode: 'many' },
  k1: { user: 'k1', mode: 'many' },
};
const chosen = args.only.split(',').map((name) => {
  if (!PROFILES[name]) throw new Error(`no profile ${name}; choose from ${Object.keys(PROFILES).join(', ')}`);
  return [name, PROFILES[name]];
});

const harness = await loadHarness();
const skip = harness.dovecotSkipReason();
if (skip) {
  console.log(`profile skipped: ${skip}`);
  process.exit(0);
}
const dovecot = await startBenchDovecot(harness);
const outDir = join(root, '.bench', 'profiles');
fs.mkdirSync(outDir, { recursive: true });
const scratch = fs.mkdtempSync(
  join(fs.existsSync('/dev/shm') ? '/dev/shm' : dovecot.dir, 'pop3kit-profile-'),
);
const caFile = join(dovecot.dir, 'bench-ca.pem');
fs.writeFileSync(caFile, dovecot.caPem);
try {
  for (const [name, { user, mode }] of chosen) {
    const seeded = seed(dovecot, user);
    await listSizes(dovecot, user, seeded);
    const config = {
      host: '127.0.0.1',
      port: args.secure ? dovecot.securePort : dovecot.port,
      secure: args.secure,
      caFile: args.secure ? caFile : undefined,
      user,
      pass: passwordOf(user),
      mode,
      outDir: scratch,
      window: args.window ? Number(args.window) : undefined,
    };
    // One run to warm Dovecot and the page cache, then the profiled one.
    await measure(process.execPath, [join(root, 'bench', 'clients', 'pop3kit.mjs'), JSON.stringify(config)], {
      scratch,
    });
    const profileName = `${name}-${args.secure ? 'tls' : 'plain'}-${Date.now()}.cpuprofile`;
    const result = await measure(
      process.execPath,
      [
        '--cpu-prof',
        `--cpu-prof-dir=${outDir}`,
        `--cpu-prof-name=${profileName}`,
        `--cpu-prof-interval=${args.interval}`,
        join(root, 'bench', 'clients', 'pop3kit.mjs'),
        JSON.stringify(config),
      ],
      { scratch },
    );
    for (const file of fs.readdirSync(scratch))
      fs.rmSync(join(scratch, file), { recursive: true, force: true });
    if (result.code !== 0) throw new Error(`${name}: client failed: ${result.stderr}`);
    const mib = seeded.sizes.reduce((a, b) => a + b, 0) / 2 ** 20;
    console.log(
      `\n== ${name} (${seeded.sizes.length} messages, ${mib.toFixed(1)} MiB, ${args.secure ? 'TLS' : 'plain'}): ` +
        `${result.seconds.toFixed(3)} s wall under the profiler${result.cpuSeconds === undefined ? '' : `, ${result.cpuSeconds.toFixed(2)} s CPU`}`,
    );
    console.log(format(summarise(join(outDir, profileName)), Number(args.top)));
    console.log(`profile: ${join(outDir, profileName)}`);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
  await dovecot.stop();
}
