#!/usr/bin/env node
// The archive bench (run alone, or by `npm run bench` after the POP3 scenarios): N generated
// messages (bench/lib/archive-mail.mjs) ingested from dist/ through SqliteArchive (on the real
// disk, and on tmpfs to see what the per-message fsync costs) and PostgresArchive (the tests'
// private server), search latency of a fixed set of queries, and size on disk; notmuch on the
// same messages as a Maildir is the reference. See docs/performance.md, "Archive".
//
//   node bench/archive.mjs [--messages N] [--quick] [--reps N] [--pg-concurrency N]
//                          [--skip sqlite-tmpfs,postgres,notmuch,cli] [--json FILE] [--keep]
// --quick: 5,000 messages and fewer search runs. --skip drops a part: sqlite-tmpfs (the second
// SQLite ingest), postgres, notmuch, cli (search timed as whole processes: `pop3kit search`
// against `notmuch search`).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = (path) => join(root, 'dist', path);
const MiB = 1024 * 1024;
const PARTS = ['sqlite-tmpfs', 'postgres', 'notmuch', 'cli'];

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string' },
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    'pg-concurrency': { type: 'string', default: '1' },
    skip: { type: 'string' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  const lines = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  console.log(lines.slice(1, 12).join('\n'));
  process.exit(0);
}
const count = Number(args.messages ?? (args.quick ? 5000 : 50000));
const reps = Number(args.reps ?? (args.quick ? 10 : 20));
const processReps = Math.max(3, Math.round(reps / 2));
const pgConcurrency = Number(args['pg-concurrency']);
const skip = new Set(args.skip ? args.skip.split(',') : []);
for (const part of skip)
  if (!PARTS.includes(part)) throw new Error(`--skip ${part}: choose from ${PARTS.join(', ')}`);
if (!(count > 0) || !(reps > 0) || !(pgConcurrency > 0))
  throw new Error('--messages, --reps, --pg-concurrency: positive numbers');

for (const file of ['src/archive/sqlite-archive.js', 'src/archive/query.js', 'test/helpers/postgres.js']) {
  if (!fs.existsSync(dist(file))) {
    console.error('bench: dist/ is missing; run `npm run build` first (npm run bench does).');
    process.exit(1);
  }
}
const { archiveMailbox, tailWord, person } = await import('./lib/archive-mail.mjs');
const { median, measure } = await import('./lib/measure.mjs');
const notmuch = await import('./lib/archive-notmuch.mjs');
const { SqliteArchive } = await import(pathToFileURL(dist('src/archive/sqlite-archive.js')).href);
const { parseQuery } = await import(pathToFileURL(dist('src/archive/query.js')).href);
const { default: Database } = await import('better-sqlite3');

/**
 * The queries: pop3kit's language and the notmuch equivalent (every one has one here). Free
 * text in both searches subject, addresses and body; has:attachment is notmuch's automatic
 * `attachment` tag; before:D (before the midnight starting D) is notmuch's range up to the day
 * before, inclusive. notmuch stems English words (pop3kit does not) and keeps diacritics.
 */
const FREQUENT = person(0).name.split(' ').at(-1).toLowerCase(); // the most frequent sender's surname
const OCCASIONAL = person(57);
const UNCOMMON_WORD = tailWord(1000); // in about 3.6% of the messages
const RARE_WORD = tailWord(40_000); // in about 26 of 50,000
const QUERIES = [
  { name: 'common word', query: 'meeting', notmuch: 'meeting' },
  { name: 'uncommon word', query: UNCOMMON_WORD, notmuch: UNCOMMON_WORD },
  { name: 'rare word', query: RARE_WORD, notmuch: RARE_WORD },
  { name: 'two words', query: 'budget invoice', notmuch: 'budget and invoice' },
  { name: 'phrase, common', query: '"let me know"', notmuch: '"let me know"' },
  { name: 'phrase, rare', query: '"invoice deadline"', notmuch: '"invoice deadline"' },
  { name: 'from: frequent surname', query: `from:${FREQUENT}`, notmuch: `from:${FREQUENT}` },
  { name: 'from: address', query: `from:${OCCASIONAL.address}`, notmuch: `from:${OCCASIONAL.address}` },
  { name: 'subject: word', query: 'subject:invoice', notmuch: 'subject:invoice' },
  {
    name: 'date range (a month)',
    query: 'after:2024-03-01 before:2024-04-01',
    notmuch: 'date:2024-03-01..2024-03-31',
  },
  { name: 'has:attachment', query: 'has:attachment', notmuch: 'tag:attachment' },
  { name: 'negation', query: 'report -invoice', notmuch: 'report and not invoice' },
  { name: 'negated operator', query: 'budget -has:attachment', notmuch: 'budget and not tag:attachment' },
  {
    name: 'combined',
    query: `from:${FREQUENT} has:attachment after:2024-01-01 -meeting`,
    notmuch: `from:${FREQUENT} and tag:attachment and date:2024-01-01.. and not meeting`,
  },
];
/** A word no message has: what a search process costs before any matching. */
const ABSENT = 'zzqxjvbench';

// --- Temp dirs and cleanup --------------------------------------------------------------
// On the real disk (os.tmpdir()): the archive pays for its fsyncs as a user's would.
const work = fs.mkdtempSync(join(os.tmpdir(), 'pop3kit-archive-bench-'));
const shm = fs.existsSync('/dev/shm') ? '/dev/shm' : undefined;
const shmWork =
  shm && !skip.has('sqlite-tmpfs') ? fs.mkdtempSync(join(shm, 'pop3kit-archive-bench-')) : undefined;
let postgres;
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await postgres?.stop();
  if (shmWork) fs.rmSync(shmWork, { recursive: true, force: true });
  if (!args.keep) fs.rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void cleanup().then(() => process.exit(130));
  });
}

// --- Measuring ----------------------------------------------------------------------------

/** The p-th percentile (0..1) by nearest rank. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

function fileBytes(path) {
  return fs.existsSync(path) ? fs.statSync(path).size : 0;
}

/** Messages per ingestMany call: the retriever's delivery batch (src/fetch/delivery-sink.ts). */
const BATCH = 250;

/**
 * Ingests every message as the retriever does, through `archive.ingestMany` in batches of
 * consecutive messages of one account, up to BATCH (`concurrency` batches at a time; 1 is
 * what the retriever does), and closes the archive; timed from the first ingest to the end of
 * close().
 */
async function ingestAll(label, archive, messages, concurrency = 1) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  let done = 0;
  const step = Math.max(1000, Math.ceil(messages.length / 5));
  const worker = async () => {
    while (next < messages.length) {
      const batch = [messages[next++]];
      while (next < messages.length && batch.length < BATCH && messages[next].account === batch[0].account)
        batch.push(messages[next++]);
      const results = await archive.ingestMany(
        batch[0].account,
        batch.map((m) => ({ uid: m.uid, raw: m.raw })),
      );
      for (const [i, result] of results.entries())
        if (!result.added) throw new Error(`${label}: ${batch[i].uid} was not added`);
      const before = done;
      done += batch.length;
      if (Math.floor(done / step) > Math.floor(before / step) && done < messages.length) {
        const rate = done / ((performance.now() - started) / 1000);
        console.log(`  ${label}: ${done}/${messages.length} (${rate.toFixed(0)} msg/s so far)`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await archive.close();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

/**
 * Search latency in process: two unmeasured rounds, then `reps` rounds over every query (one
 * query after the other, so none always meets the cache another left), `limit: 50` each.
 * Then, untimed, how many messages each query matches (no limit).
 */
async function timeSearches(archive) {
  const parsed = QUERIES.map((q) => parseQuery(q.query));
  for (let round = 0; round < 2; round++) for (const ast of parsed) await archive.search(ast, { limit: 50 });
  const samples = parsed.map(() => []);
  const rows = [];
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, ast] of parsed.entries()) {
      const started = performance.now();
      const found = await archive.search(ast, { limit: 50 });
      samples[i].push(performance.now() - started);
      rows[i] = found.length;
    }
  }
  const matches = [];
  for (const ast of parsed) matches.push((await archive.search(ast)).length);
  return summarise(samples, rows, matches);
}

function summarise(samples, rows, matches) {
  const all = samples.flat();
  return {
    perQuery: samples.map((s, i) => ({
      p50: percentile(s, 0.5),
      p95: percentile(s, 0.95),
      rows: rows[i],
      matches: matches[i],
    })),
    p50: percentile(all, 0.5),
    p95: percentile(all, 0.95),
    max: Math.max(...all),
    samples: all.length,
  };
}

/** `command args...` timed as a whole process, per query: one warm-up round, then `rounds`. */
function timeProcesses(run, rounds) {
  for (const q of QUERIES) run(q);
  const samples = QUERIES.map(() => []);
  const rows = [];
  for (let rep = 0; rep < rounds; rep++) {
    for (const [i, q] of QUERIES.entries()) {
      const { ms, lines } = run(q);
      samples[i].push(ms);
      rows[i] = lines;
    }
  }
  return { samples, rows };
}

/** `pop3kit search` (dist/src/cli/main.js) as a user runs it, one process per query. */
function cliSearch(file, query) {
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [dist('src/cli/main.js'), 'search', '--db', `sqlite:${file}`, '--limit', '50', '--json', '--', query],
    { encoding: 'utf8', maxBuffer: 64 * MiB },
  );
  const ms = performance.now() - started;
  if (result.status !== 0)
    throw new Error(`pop3kit search ${query}: exit ${result.status}: ${result.stderr}`);
  return { ms, lines: result.stdout.split('\n').filter(Boolean).length };
}

// --- The run ------------------------------------------------------------------------------

function machine() {
  const cpus = os.cpus();
  const probe = new Database(':memory:');
  const sqliteVersion = probe.prepare('SELECT sqlite_version() AS v').get().v;
  probe.close();
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'} x ${cpus.length}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    sqlite: sqliteVersion,
    notmuch: notmuch.notmuchVersion,
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

async function main() {
  const info = machine();
  console.log(
    `archive bench: ${count} messages; ${info.cpu}, ${info.memoryGiB} GiB, Node ${info.node}, SQLite ${info.sqlite}, ` +
      `notmuch ${info.notmuch ?? '-'}, TZ ${info.timeZone}, load ${info.loadAverage.join(' ')}`,
  );
  if (info.loadAverage[0] > 0.5 * os.cpus().length)
    console.log('note: the machine is busy (load above half the cores); figures will be noisy');

  // Generate (untimed).
  let started = performance.now();
  const messages = archiveMailbox(count);
  const sizes = messages.map((m) => m.raw.length);
  const rawBytes = sizes.reduce((a, b) => a + b, 0);
  const corpus = {
    messages: count,
    rawBytes,
    medianBytes: median(sizes),
    p95Bytes: percentile(sizes, 0.95),
    maxBytes: Math.max(...sizes),
    share2to20KiB: sizes.filter((s) => s >= 2048 && s <= 20480).length / count,
  };
  console.log(
    `generated ${count} messages, ${(rawBytes / MiB).toFixed(1)} MiB (median ${(corpus.medianBytes / 1024).toFixed(1)} KiB, ` +
      `p95 ${(corpus.p95Bytes / 1024).toFixed(1)} KiB, ${(100 * corpus.share2to20KiB).toFixed(0)}% within 2-20 KiB) ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const mib = rawBytes / MiB;
  const ingest = [];
  const search = {};
  const storage = [{ what: 'raw messages (CRLF, as ingested)', bytes: rawBytes }];
  const checks = [];
  const check = (ok, what) => {
    checks.push({ ok, what });
    if (!ok) console.log(`  CHECK FAILED: ${what}`);
  };
  const addIngest = (row) => {
    ingest.push({
      ...row,
      messages: count,
      msgPerSecond: count / row.seconds,
      mibPerSecond: mib / row.seconds,
    });
    console.log(
      `  ${row.store} (${row.where}): ${row.seconds.toFixed(1)} s, ${(count / row.seconds).toFixed(0)} msg/s` +
        `${row.cpuSeconds === undefined ? '' : `, CPU ${row.cpuSeconds.toFixed(1)} s`}`,
    );
  };

  // SQLite on the real disk.
  const sqliteFile = join(work, 'archive.sqlite');
  console.log(`sqlite: ingesting into ${sqliteFile}`);
  let timed = await ingestAll('sqlite', SqliteArchive.open(sqliteFile), messages);
  addIngest({ store: 'sqlite', where: `disk (${os.tmpdir()}), synchronous=FULL`, ...timed });
  const sqliteBytes = ['', '-wal', '-shm'].reduce((sum, suffix) => sum + fileBytes(sqliteFile + suffix), 0);
  storage.push({ what: 'sqlite: file (+ -wal, -shm) after close', bytes: sqliteBytes });
  {
    const archive = SqliteArchive.open(sqliteFile);
    const stats = archive.stats();
    check(stats.messages === count && stats.rawBytes === rawBytes, `sqlite holds ${stats.messages} messages`);
    console.log('sqlite: searching');
    search.sqlite = await timeSearches(archive);
    archive.close();
  }

  // SQLite on tmpfs: the same work without the cost of fsync.
  if (shmWork) {
    const file = join(shmWork, 'archive.sqlite');
    console.log(`sqlite: ingesting into ${file} (tmpfs)`);
    timed = await ingestAll('sqlite tmpfs', SqliteArchive.open(file), messages);
    addIngest({ store: 'sqlite', where: `tmpfs (${shm})`, ...timed });
    fs.rmSync(shmWork, { recursive: true, force: true });
  }

  // PostgreSQL: the tests' private server (initdb in a temp dir, 127.0.0.1, fsync off).
  if (!skip.has('postgres')) await runPostgres({ messages, addIngest, storage, search, check });

  // notmuch: the same messages as a Maildir, `notmuch new`, `notmuch search`.
  let nm;
  if (!skip.has('notmuch') && notmuch.notmuchVersion) {
    const maildir = join(work, 'maildir');
    started = performance.now();
    const maildirBytes = notmuch.writeMaildir(maildir, messages);
    console.log(
      `notmuch: wrote the Maildir (${(maildirBytes / MiB).toFixed(1)} MiB, LF) in ${((performance.now() - started) / 1000).toFixed(1)} s; notmuch new`,
    );
    storage.push({ what: 'Maildir for notmuch (LF line ends)', bytes: maildirBytes });
    nm = notmuch.notmuchSetup(work, maildir);
    const result = await measure('notmuch', ['new', '--quiet'], {
      scratch: work,
      env: nm.env,
      timeoutMs: 3_600_000,
    });
    if (result.code !== 0) throw new Error(`notmuch new: exit ${result.code}: ${result.stderr}`);
    addIngest({
      store: 'notmuch new',
      where: 'disk, Maildir in the page cache',
      seconds: result.seconds,
      cpuSeconds: result.cpuSeconds,
      rssMiB: result.rssKiB && result.rssKiB / 1024,
    });
    check(notmuch.countMatches(nm, '*') === count, 'notmuch indexed every message');
    storage.push({ what: 'notmuch: Xapian database', bytes: notmuch.treeBytes(nm.database) });
    console.log('notmuch: searching');
    const { samples, rows } = timeProcesses((q) => notmuch.timeSearch(nm, q.notmuch), processReps);
    search.notmuch = summarise(
      samples,
      rows,
      QUERIES.map((q) => notmuch.countMatches(nm, q.notmuch)),
    );
    search.notmuchAbsent = median(Array.from({ length: 5 }, () => notmuch.timeSearch(nm, ABSENT).ms));
  } else if (!skip.has('notmuch')) {
    console.log('note: notmuch not installed (apt-get install notmuch); its rows are skipped');
  }

  // Whole processes: `pop3kit search` (Node start-up, the CLI, opening the archive) per query.
  if (!skip.has('cli')) {
    console.log('pop3kit search (CLI processes)');
    const { samples, rows } = timeProcesses((q) => cliSearch(sqliteFile, q.query), processReps);
    search.cli = summarise(
      samples,
      rows,
      search.sqlite.perQuery.map((q) => q.matches),
    );
    search.cliAbsent = median(Array.from({ length: 5 }, () => cliSearch(sqliteFile, ABSENT).ms));
  }

  report({ info, corpus, ingest, search, storage, checks });
}

async function runPostgres({ messages, addIngest, storage, search, check }) {
  const helper = await import(pathToFileURL(dist('test/helpers/postgres.js')).href);
  const reason = helper.postgresSkipReason();
  if (reason) {
    console.log(`note: ${reason}; the PostgreSQL rows are skipped`);
    return;
  }
  const { PostgresArchive } = await import(pathToFileURL(dist('src/archive/postgres-archive.js')).href);
  const { default: pg } = await import('pg');
  postgres = await helper.startPostgres();
  const url = await postgres.createDatabase('archive_bench');
  await postgres.createDatabase('archive_empty');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const version = (await client.query('SHOW server_version')).rows[0].server_version;
    console.log(`postgres ${version}: ingesting into a private server on 127.0.0.1:${postgres.port}`);
    const timed = await ingestAll(
      'postgres',
      await PostgresArchive.open(url, { maxConnections: Math.max(4, pgConcurrency) }),
      messages,
      pgConcurrency,
    );
    addIngest({
      store: 'postgres',
      where: `PostgreSQL ${version}, test helper (fsync off)${pgConcurrency > 1 ? `, ${pgConcurrency} at once` : ''}`,
      ...timed,
    });
    // What autovacuum would do soon after a bulk load; also moves the GIN pending list in.
    const started = performance.now();
    await client.query('VACUUM ANALYZE');
    console.log(`  postgres: VACUUM ANALYZE ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const tables = (
      await client.query(
        `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint AS bytes FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`,
      )
    ).rows[0].bytes;
    const database = (
      await client.query(
        "SELECT (pg_database_size('archive_bench') - pg_database_size('archive_empty'))::bigint AS bytes",
      )
    ).rows[0].bytes;
    storage.push({
      what: 'postgres: pg_total_relation_size of the tables (heap, TOAST, indexes)',
      bytes: Number(tables),
    });
    storage.push({ what: 'postgres: pg_database_size minus an empty database', bytes: Number(database) });
    const archive = await PostgresArchive.open(url);
    const stats = await archive.stats();
    check(stats.messages === messages.length, `postgres holds ${stats.messages} messages`);
    console.log('postgres: searching');
    search.postgres = await timeSearches(archive);
    await archive.close();
  } finally {
    await client.end();
    await postgres.stop();
  }
}

// --- Output -------------------------------------------------------------------------------

function table(header, rows, rightFrom) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i >= rightFrom ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(
    `|${widths.map((w, i) => (i >= rightFrom ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`,
  );
  for (const row of rows) console.log(line(row));
}

const ms = (v) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1));
const ratio = (a, b) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`);

function report({ info, corpus, ingest, search, storage, checks }) {
  const nmIngest = ingest.find((r) => r.store === 'notmuch new');
  console.log(
    `\nIngest: ${corpus.messages} messages, ${(corpus.rawBytes / MiB).toFixed(1)} MiB, MIME parsing included`,
  );
  table(
    ['store', 'where', 'seconds', 'msg/s', 'MiB/s', 'CPU s', 'x notmuch msg/s'],
    ingest.map((r) => [
      r.store,
      r.where,
      r.seconds.toFixed(1),
      r.msgPerSecond.toFixed(0),
      r.mibPerSecond.toFixed(2),
      r.cpuSeconds === undefined ? '-' : r.cpuSeconds.toFixed(1),
      ratio(r.msgPerSecond, nmIngest?.msgPerSecond),
    ]),
    2,
  );

  console.log(
    `\nSearch latency, ms (limit 50; in process: ${reps} runs per query; notmuch: ${processReps} processes per query)`,
  );
  const per = (store, i, key) => ms(search[store]?.perQuery[i][key]);
  table(
    [
      'query',
      'pop3kit',
      'sqlite p50',
      'p95',
      'pg p50',
      'p95',
      'notmuch',
      'nm p50',
      'p95',
      'matches sqlite/pg/nm',
    ],
    QUERIES.map((q, i) => [
      q.name,
      q.query,
      per('sqlite', i, 'p50'),
      per('sqlite', i, 'p95'),
      per('postgres', i, 'p50'),
      per('postgres', i, 'p95'),
      q.notmuch,
      per('notmuch', i, 'p50'),
      per('notmuch', i, 'p95'),
      ['sqlite', 'postgres', 'notmuch'].map((s) => search[s]?.perQuery[i].matches ?? '-').join(' / '),
    ]).concat([
      [
        'all queries',
        '',
        ms(search.sqlite?.p50),
        ms(search.sqlite?.p95),
        ms(search.postgres?.p50),
        ms(search.postgres?.p95),
        '',
        ms(search.notmuch?.p50),
        ms(search.notmuch?.p95),
        '',
      ],
    ]),
    2,
  );
  if (search.cli || search.notmuch) {
    console.log('\nWhole processes, ms, all queries (p50 / p95), and a word no message has (median):');
    table(
      ['command', 'p50', 'p95', 'absent word'],
      [
        ...(search.cli
          ? [
              [
                'pop3kit search --db sqlite:... --limit 50 --json',
                ms(search.cli.p50),
                ms(search.cli.p95),
                ms(search.cliAbsent),
              ],
            ]
          : []),
        ...(search.notmuch
          ? [
              [
                'notmuch search --limit=50 --sort=newest-first',
                ms(search.notmuch.p50),
                ms(search.notmuch.p95),
                ms(search.notmuchAbsent),
              ],
            ]
          : []),
      ],
      1,
    );
  }

  const xapian = storage.find((s) => s.what.startsWith('notmuch'))?.bytes;
  console.log('\nSize on disk');
  table(
    ['what', 'MiB', 'x raw', 'x notmuch'],
    storage.map((s) => [
      s.what,
      (s.bytes / MiB).toFixed(1),
      ratio(s.bytes, corpus.rawBytes),
      ratio(s.bytes, xapian),
    ]),
    1,
  );

  const sqliteDisk = ingest.find((r) => r.store === 'sqlite');
  const targets = [
    {
      target: 'SQLite ingest >= 2,000 msg/s',
      value: `${sqliteDisk.msgPerSecond.toFixed(0)} msg/s`,
      met: sqliteDisk.msgPerSecond >= 2000,
    },
    {
      target: 'SQLite search p95 < 50 ms',
      value: `${ms(search.sqlite.p95)} ms`,
      met: search.sqlite.p95 < 50,
    },
  ];
  console.log(count === 50000 ? '' : '\n(the targets are set for 50,000 messages)');
  for (const t of targets) console.log(`target: ${t.target}: ${t.value}: ${t.met ? 'met' : 'NOT met'}`);
  const failed = checks.filter((c) => !c.ok);
  console.log(failed.length ? `checks FAILED: ${failed.map((c) => c.what).join('; ')}` : 'checks: ok');

  const jsonPath =
    args.json ?? join(root, '.bench', `archive-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(dirname(jsonPath), { recursive: true });
  const queries = QUERIES.map((q) => ({ ...q }));
  fs.writeFileSync(
    jsonPath,
    `${JSON.stringify({ machine: { ...info, loadAverageAtEnd: os.loadavg() }, corpus, queries, reps, processReps, ingest, search, storage, targets, checks }, null, 2)}\n`,
  );
  console.log(`results: ${jsonPath}`);
  if (failed.length) process.exitCode = 1;
}

try {
  await main();
} finally {
  await cleanup();
}
