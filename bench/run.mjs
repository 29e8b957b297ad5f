#!/usr/bin/env node
// `npm run bench`: pop3kit against a raw reader, mpop and Python's poplib on a private Dovecot
// on 127.0.0.1, each run a separate process, timed whole (median of the runs). See
// docs/performance.md for what it measures and the latest results.
//
//   node bench/run.mjs [--quick] [--runs N] [--only small,big,...,archive] [--clients pop3kit,raw,...]
//                      [--transports plain,tls] [--window N] [--windows 50,200,...]
//                      [--alt-dist DIR] [--json FILE] [--keep] [--skip-archive]
// A client may be a pop3kit variant: pop3kit@N (window N), pop3kit:streams (retrManyStreams to
// files), pop3kit:stream (retrStream each to a file), pop3kit+alt (the build in --alt-dist, to
// measure a change before/after); --windows adds pop3kit@N for each N. The retriever runs on
// `small` only: fetch:maildir and fetch:mbox (fetchAccount into a fresh Maildir / mbox and
// state file on the real disk, fsyncs included), compared with pop3kit (retrMany) in a table of
// its own; fetch:maildir@T sets UV_THREADPOOL_SIZE=T in the client, fetch:maildir+alt uses
// --alt-dist. Then the archive bench (bench/archive.mjs, 5,000 messages with --quick) runs in a
// process of its own: `--only archive` runs it alone; any other --only, or --skip-archive, not.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startDelayProxy } from './lib/delay-proxy.mjs';
import { haveGnuTime, measure, median } from './lib/measure.mjs';
import {
  dovecotVersion,
  maildirSizes,
  mpopVersion,
  pythonVersion,
  resetMaildir,
  writeMpopConfig,
} from './lib/peers.mjs';
import { listSizes, loadHarness, passwordOf, root, seed, startBenchDovecot } from './lib/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const MiB = 1024 * 1024;

/** Every scenario: its mailbox, the clients that run it, and how pop3kit reads it. */
const SCENARIOS = [
  { name: 'small', user: 'small', what: '5,000 x ~4 KiB', mode: 'many', fetch: true },
  { name: 'big', user: 'big', what: '1 x 100 MiB', mode: 'stream' },
  { name: 'mixed', user: 'mixed', what: '500 mixed (2 KiB-5 MiB)', mode: 'many' },
  { name: '1k', user: 'k1', what: '1,000 x ~4 KiB', mode: 'many' },
  { name: '1k-rtt', user: 'k1', what: '1,000 x ~4 KiB, 10 ms RTT', mode: 'many', delayMs: 5 },
  // The 1 GiB case checks memory more than speed: one run over plain TCP unless asked.
  {
    name: 'huge',
    user: 'huge',
    what: '1 x 1 GiB',
    mode: 'stream',
    clients: ['pop3kit', 'raw'],
    runs: 1,
    transports: ['plain'],
  },
];
const ALL_CLIENTS = ['pop3kit', 'raw', 'mpop', 'poplib', 'fetch:maildir', 'fetch:mbox'];
/** Clients that run a scenario: its own list, else every client (the retriever only where
 * the scenario asks for it). */
const runsScenario = (scenario, base) =>
  base === 'fetch' ? Boolean(scenario.fetch) : (scenario.clients ?? ALL_CLIENTS).includes(base);

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    clients: { type: 'string' },
    transports: { type: 'string' },
    window: { type: 'string' },
    windows: { type: 'string' },
    'alt-dist': { type: 'string' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'skip-archive': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    fs
      .readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 11)
      .join('\n'),
  );
  process.exit(0);
}
const runs = Number(args.runs ?? (args.quick ? 1 : 3));
const onlyNames = args.only?.split(',');
const scenarios = SCENARIOS.filter((s) =>
  onlyNames ? onlyNames.includes(s.name) : !(args.quick && s.name === 'huge'),
);
const archiveWanted = !args['skip-archive'] && (!onlyNames || onlyNames.includes('archive'));
/** bench/archive.mjs in its own process, after everything else has stopped. */
function runArchiveBench() {
  const archiveArgs = [join(here, 'archive.mjs'), ...(args.quick ? ['--quick'] : [])];
  if (args.json) archiveArgs.push('--json', args.json.replace(/(\.json)?$/, '-archive.json'));
  console.log('');
  const result = spawnSync(process.execPath, archiveArgs, { stdio: 'inherit' });
  if (result.status !== 0) process.exitCode = 1;
}
if (scenarios.length === 0 && archiveWanted) {
  runArchiveBench();
  process.exit();
}
const wantedClients = [
  ...(args.clients?.split(',') ?? ALL_CLIENTS),
  ...(args.windows?.split(',').map((w) => `pop3kit@${w}`) ?? []),
];
/** 'pop3kit:streams@200+alt' -> { base: 'pop3kit', mode: 'streams', window: 200, alt: true }. */
function variant(client) {
  const match = /^([a-z0-9]+)(?::([a-z]+))?(?:@(\d+))?(\+alt)?$/.exec(client);
  if (!match) throw new Error(`bad client name ${client}`);
  if (match[4] && !args['alt-dist']) throw new Error(`${client} needs --alt-dist`);
  return {
    base: match[1],
    mode: match[2],
    window: match[3] ? Number(match[3]) : undefined,
    alt: Boolean(match[4]),
  };
}
const transports = (args.transports ?? 'plain,tls').split(',');
if (scenarios.length === 0) throw new Error(`no scenario matches --only ${args.only}`);

// --- What is there to run ---------------------------------------------------------------
const harness = await loadHarness();
const skip = harness.dovecotSkipReason();
if (skip) {
  console.log(`bench skipped: ${skip}`);
  if (archiveWanted) runArchiveBench();
  process.exit();
}
const missing = [];
if (!mpopVersion) missing.push('mpop (apt-get install mpop)');
if (!pythonVersion) missing.push('python3 (apt-get install python3)');
const clients = wantedClients.filter(
  (c) => !((c === 'mpop' && !mpopVersion) || (c === 'poplib' && !pythonVersion)),
);
for (const m of missing) console.log(`note: ${m} not installed; its rows are skipped`);
if (!haveGnuTime)
  console.log('note: GNU time not found (apt-get install time); peak RSS of mpop is not shown');

// --- Temp dirs, Dovecot, cleanup --------------------------------------------------------
const work = fs.mkdtempSync(join(os.tmpdir(), 'pop3kit-bench-'));
// Files written by clients (mpop's Maildir, retrStream's output) go to tmpfs where there is
// one, so the disk does not take part in the race.
const scratchRoot = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
const scratch = fs.mkdtempSync(join(scratchRoot, 'pop3kit-bench-'));
const caFile = join(work, 'ca.pem');
const dovecot = await startBenchDovecot(harness);
fs.writeFileSync(caFile, dovecot.caPem);
const proxies = [];
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const proxy of proxies) await proxy.close();
  await dovecot.stop();
  if (!args.keep) {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void cleanup().then(() => process.exit(130));
  });
}

async function main() {
  printMachine();
  const expected = {};
  for (const scenario of scenarios) {
    if (expected[scenario.user]) continue;
    const started = Date.now();
    const seeded = seed(dovecot, scenario.user);
    expected[scenario.user] = { ...seeded, listed: await listSizes(dovecot, scenario.user, seeded) };
    const mib = seeded.sizes.reduce((a, b) => a + b, 0) / MiB;
    console.log(
      `seeded ${scenario.user}: ${seeded.sizes.length} messages, ${mib.toFixed(1)} MiB (${Date.now() - started} ms)`,
    );
  }

  const results = [];
  for (const scenario of scenarios) {
    const ownTransports = args.transports || !scenario.transports ? transports : scenario.transports;
    const scenarioRuns = args.runs || !scenario.runs ? runs : scenario.runs;
    for (const transport of ownTransports) {
      const secure = transport === 'tls';
      let port = secure ? dovecot.securePort : dovecot.port;
      if (scenario.delayMs) {
        const proxy = await startDelayProxy(port, scenario.delayMs);
        proxies.push(proxy);
        port = proxy.port;
      }
      const exp = expected[scenario.user];
      const runners = clients.filter((c) => runsScenario(scenario, variant(c).base));
      // One unmeasured pass first, so every client meets a warm page cache and Dovecot index.
      await runClient('raw', scenario, { port, secure, exp });
      const times = Object.fromEntries(runners.map((c) => [c, []]));
      for (let run = 0; run < scenarioRuns; run++) {
        // Rotate the order each run so no client always goes first after a cold moment.
        const order = runners.map((_, i) => runners[(i + run) % runners.length]);
        for (const client of order) {
          const result = await runClient(client, scenario, { port, secure, exp });
          times[client].push(result);
          process.stdout.write(
            `  ${scenario.name}/${transport}/${client} run ${run + 1}: ${result.seconds.toFixed(3)} s` +
              `${result.cpuSeconds === undefined ? '' : `, CPU ${result.cpuSeconds.toFixed(2)} s`}` +
              `${result.rssKiB ? `, ${(result.rssKiB / 1024).toFixed(0)} MiB` : ''}` +
              `${result.ok ? '' : `  CHECK FAILED: ${result.problem}`}\n`,
          );
        }
      }
      for (const client of runners) {
        const list = times[client];
        const rss = list.map((r) => r.rssKiB).filter((v) => v !== undefined);
        results.push({
          scenario: scenario.name,
          what: scenario.what,
          transport,
          client,
          seconds: median(list.map((r) => r.seconds)),
          best: Math.min(...list.map((r) => r.seconds)),
          cpuSeconds: list.every((r) => r.cpuSeconds !== undefined)
            ? median(list.map((r) => r.cpuSeconds))
            : undefined,
          runs: list.map((r) => Number(r.seconds.toFixed(4))),
          rssMiB: rss.length ? Math.max(...rss) / 1024 : undefined,
          messages: exp.listed.length,
          mib: exp.listed.reduce((a, b) => a + b, 0) / MiB,
          ok: list.every((r) => r.ok),
          problems: [...new Set(list.filter((r) => !r.ok).map((r) => r.problem))],
        });
      }
    }
  }
  printTable(results);
  const jsonPath =
    args.json ?? join(root, '.bench', `results-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(dirname(jsonPath), { recursive: true });
  fs.writeFileSync(jsonPath, `${JSON.stringify({ machine: machine(), runs, results }, null, 2)}\n`);
  console.log(`\nresults: ${jsonPath}`);
  if (results.some((r) => !r.ok)) process.exitCode = 1;
}

// --- Running and checking one client ---------------------------------------------------

async function runClient(client, scenario, { port, secure, exp }) {
  const config = {
    host: '127.0.0.1',
    port,
    secure,
    caFile: secure ? caFile : undefined,
    user: scenario.user,
    pass: passwordOf(scenario.user),
    count: exp.listed.length,
  };
  const outDir = join(scratch, 'out');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  let command;
  let argv;
  const maildir = join(scratch, 'mpop-maildir');
  const { base, mode, window, alt } = variant(client);
  if (base === 'pop3kit') {
    command = process.execPath;
    argv = [
      join(here, 'clients', 'pop3kit.mjs'),
      JSON.stringify({
        ...config,
        mode: mode ?? scenario.mode,
        outDir,
        window: window ?? (args.window ? Number(args.window) : undefined),
        dist: alt ? pathToFileURL(join(resolve(args['alt-dist']), 'src', 'index.js')).href : undefined,
      }),
    ];
  } else if (base === 'fetch') {
    // On the real disk (work is in os.tmpdir()), not tmpfs: fsync must cost what it costs.
    const fetchDir = join(work, 'fetch');
    fs.rmSync(fetchDir, { recursive: true, force: true });
    fs.mkdirSync(fetchDir, { recursive: true });
    command = process.execPath;
    argv = [
      join(here, 'clients', 'fetch.mjs'),
      JSON.stringify({
        ...config,
        mode: mode ?? 'maildir',
        outDir: fetchDir,
        threadpool: window,
        dist: alt
          ? pathToFileURL(join(resolve(args['alt-dist']), 'src', 'fetch', 'index.js')).href
          : undefined,
      }),
    ];
  } else if (client === 'raw') {
    command = process.execPath;
    argv = [join(here, 'clients', 'raw.mjs'), JSON.stringify(config)];
  } else if (client === 'poplib') {
    command = 'python3';
    argv = [join(here, 'clients', 'poplib_client.py'), JSON.stringify(config)];
  } else if (client === 'mpop') {
    resetMaildir(maildir);
    const conf = writeMpopConfig(work, { ...config, maildir });
    fs.rmSync(join(work, `uidls-${config.user}-${port}`), { force: true });
    command = 'mpop';
    argv = ['-q', '-C', conf, 'bench'];
  } else {
    throw new Error(`unknown client ${client}`);
  }
  const result = await measure(command, argv, { scratch: work });
  const check =
    base === 'fetch'
      ? verifyFetch(result, exp, mode ?? 'maildir', join(work, 'fetch'))
      : verify(base, result, exp, client === 'mpop' ? maildir : undefined);
  fs.rmSync(outDir, { recursive: true, force: true });
  if (base === 'fetch') fs.rmSync(join(work, 'fetch'), { recursive: true, force: true });
  return { ...result, ...check };
}

function verify(client, result, exp, maildir) {
  if (result.code !== 0)
    return { ok: false, problem: `exit ${result.code}: ${result.stderr.trim().slice(0, 300)}` };
  const want = exp.listed;
  if (client === 'mpop') {
    const got = maildirSizes(maildir).sort((a, b) => a - b);
    const sorted = [...want].sort((a, b) => a - b);
    if (got.length !== sorted.length)
      return { ok: false, problem: `${got.length} of ${want.length} messages` };
    if (got.some((size, i) => size !== sorted[i])) return { ok: false, problem: 'sizes differ from LIST' };
    return { ok: true };
  }
  let report;
  try {
    report = JSON.parse(result.stdout.trim().split('\n').pop());
  } catch {
    return { ok: false, problem: `no report: ${result.stdout.slice(0, 200)} ${result.stderr.slice(0, 300)}` };
  }
  result.rssKiB ??= report.maxRss;
  if (report.count !== want.length) {
    const said = report.login ? ` (server: ${report.login.join(' / ')})` : '';
    return { ok: false, problem: `${report.count} of ${want.length} messages${said}` };
  }
  if (client === 'raw') {
    // Wire octets: each "+OK n octets" line, the body with one more octet per stuffed line,
    // and ".\r\n" (Dovecot's status line format, which the raw reader does not parse).
    let wire = 0;
    want.forEach((size, i) => {
      wire += `+OK ${size} octets\r\n`.length + size + exp.dots[i] + 3;
    });
    if (report.bytes !== wire) return { ok: false, problem: `${report.bytes} wire octets, expected ${wire}` };
    return { ok: true };
  }
  const bad = want.findIndex((size, i) => report.sizes[i] !== size);
  if (bad !== -1)
    return { ok: false, problem: `message ${bad + 1}: ${report.sizes[bad]} octets, LIST says ${want[bad]}` };
  return { ok: true };
}

/**
 * What the retriever delivered, read back from disk after its process exited: every message
 * there once, each of LIST's size counting CRLF (the files hold LF line ends), in server order.
 */
function verifyFetch(result, exp, mode, dir) {
  if (result.code !== 0)
    return { ok: false, problem: `exit ${result.code}: ${result.stderr.trim().slice(0, 300)}` };
  let report;
  try {
    report = JSON.parse(result.stdout.trim().split('\n').pop());
  } catch {
    return { ok: false, problem: `no report: ${result.stdout.slice(0, 200)} ${result.stderr.slice(0, 300)}` };
  }
  result.rssKiB ??= report.maxRss;
  const want = exp.listed;
  if (report.delivered !== want.length || report.failed !== 0)
    return {
      ok: false,
      problem: `summary: ${report.delivered} of ${want.length} delivered, ${report.failed} failed`,
    };
  const lfs = (bytes) => {
    let n = 0;
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) n++;
    return n;
  };
  const sizes = [];
  if (mode === 'mbox') {
    // mboxrd: a From_ line, the message with /^>*From / lines quoted by one more '>', a blank
    // line. A body line starting "From " is always quoted, so "\nFrom " only begins entries.
    const bytes = fs.readFileSync(join(dir, 'mbox'));
    const starts = bytes.subarray(0, 5).toString('latin1') === 'From ' ? [0] : [];
    for (let at = bytes.indexOf('\nFrom '); at !== -1; at = bytes.indexOf('\nFrom ', at + 1))
      starts.push(at + 1);
    starts.push(bytes.length);
    for (let i = 0; i + 1 < starts.length; i++) {
      const body = bytes.subarray(bytes.indexOf(10, starts[i]) + 1, starts[i + 1] - 1);
      const quoted = body.toString('latin1').match(/^>+From /gm)?.length ?? 0;
      sizes.push(body.length - quoted + lfs(body));
    }
  } else {
    // Delivered in server order; the unique names carry a per-process counter (...Q<n>R...).
    const newDir = join(dir, 'Maildir', 'new');
    const names = fs.readdirSync(newDir);
    if (fs.readdirSync(join(dir, 'Maildir', 'tmp')).length > 0)
      return { ok: false, problem: 'files left in tmp/' };
    const counter = (name) => Number(/Q(\d+)R/.exec(name)?.[1]);
    names.sort((a, b) => counter(a) - counter(b));
    for (const name of names) {
      const bytes = fs.readFileSync(join(newDir, name));
      sizes.push(bytes.length + lfs(bytes));
    }
  }
  if (sizes.length !== want.length)
    return { ok: false, problem: `${sizes.length} of ${want.length} messages on disk` };
  const bad = want.findIndex((size, i) => sizes[i] !== size);
  if (bad !== -1)
    return { ok: false, problem: `message ${bad + 1}: ${sizes[bad]} octets on disk, LIST says ${want[bad]}` };
  return { ok: true };
}

// --- Output -------------------------------------------------------------------------------

let machineInfo;
function machine() {
  const cpus = os.cpus();
  machineInfo ??= {
    cpu: `${cpus[0]?.model ?? 'unknown'} x ${cpus.length}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    dovecot: dovecotVersion,
    mpop: mpopVersion,
    python: pythonVersion,
    nodeStartup: nodeStartup(),
  };
  return machineInfo;
}

/** Node's own start-up here (`node -e 0`, median of 5), which every Node row pays. */
function nodeStartup() {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const started = process.hrtime.bigint();
    spawnSync(process.execPath, ['-e', '0']);
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return Number(median(times).toFixed(3));
}

function printMachine() {
  const m = machine();
  console.log(
    `machine: ${m.cpu}, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node} (start-up ${m.nodeStartup} s), ` +
      `Dovecot ${m.dovecot}, mpop ${m.mpop ?? '-'}, Python ${m.python ?? '-'}; median of ${runs} run(s)`,
  );
}

function printTable(results) {
  const header = [
    'scenario',
    'tls',
    'client',
    'seconds',
    'best',
    'msg/s',
    'MiB/s',
    'CPU s',
    'peak RSS',
    'x raw',
    'x mpop',
    'check',
  ];
  const rows = results.map((r) => {
    const peer = (client) =>
      results.find((o) => o.scenario === r.scenario && o.transport === r.transport && o.client === client);
    const raw = peer('raw');
    const mpop = peer('mpop');
    return [
      r.scenario,
      r.transport,
      r.client,
      r.seconds.toFixed(3),
      r.best.toFixed(3),
      (r.messages / r.seconds).toFixed(r.messages / r.seconds < 10 ? 2 : 0),
      (r.mib / r.seconds).toFixed(1),
      r.cpuSeconds === undefined ? '-' : r.cpuSeconds.toFixed(2),
      r.rssMiB === undefined ? '-' : `${r.rssMiB.toFixed(0)} MiB`,
      raw ? `${(r.seconds / raw.seconds).toFixed(2)}x` : '-',
      mpop ? `${(r.seconds / mpop.seconds).toFixed(2)}x` : '-',
      r.ok ? 'ok' : `FAILED: ${r.problems.join('; ')}`,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i >= 3 && i <= 10 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  console.log('');
  console.log(line(header));
  console.log(
    `|${widths.map((w, i) => (i >= 3 && i <= 10 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
  );
  for (const row of rows) console.log(line(row));
  printFetchTable(results);
}

/** The retriever against retrMany alone on the same server and transport (issue 6: within 2x). */
function printFetchTable(results) {
  const fetches = results.filter((r) => variant(r.client).base === 'fetch');
  if (fetches.length === 0) return;
  console.log('\nfetch vs retrMany (pop3kit):');
  const header = ['scenario', 'tls', 'client', 'seconds', 'best', 'pop3kit s', 'x pop3kit', 'best x pop3kit'];
  const rows = fetches.map((r) => {
    const many = results.find(
      (o) => o.scenario === r.scenario && o.transport === r.transport && o.client === 'pop3kit',
    );
    return [
      r.scenario,
      r.transport,
      r.client,
      r.seconds.toFixed(3),
      r.best.toFixed(3),
      many ? many.seconds.toFixed(3) : '-',
      many ? `${(r.seconds / many.seconds).toFixed(2)}x` : '-',
      many ? `${(r.best / many.best).toFixed(2)}x` : '-',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i >= 3 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

try {
  await main();
} finally {
  await cleanup();
}
if (archiveWanted) runArchiveBench();
