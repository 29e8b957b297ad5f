// `pop3kit fetch --to archive:`, `search`, `show` and `export` end to end: the compiled CLI
// against pop3kit/server on 127.0.0.1, each with its own HOME (and XDG_DATA_HOME for the
// default archive).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMboxrd } from '../../src/fetch/mboxrd.js';
import { toLf } from '../../src/protocol/line-ends.js';
import { ARCHIVE_MAIL, jsonLines, runCli, startServer, TempDir, type TestServer } from './helpers.js';

const { report: REPORT, lunch: LUNCH, old: OLD } = ARCHIVE_MAIL;
const MAIL = [REPORT, LUNCH, OLD];

const ENV = { PW: 'secret', TZ: 'UTC' };

describe('the archive commands of pop3kit', () => {
  let dir: TempDir;
  let server: TestServer;
  let home: string;
  let db: string;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { home, env: { ...ENV, ...env } });
  const login = () => ['--host', '127.0.0.1', '--port', String(server.port), '--user', 'alice'];

  before(async () => {
    dir = new TempDir();
    server = await startServer(MAIL);
    home = dir.sub('home');
    db = join(dir.path, 'archive.sqlite');
  });
  after(async () => {
    await server.close();
    dir.remove();
  });

  it('fetches into the archive once, and nothing again on a rerun', async () => {
    const args = [
      'fetch',
      ...login(),
      '--password-env',
      'PW',
      '--to',
      `archive:sqlite:${db}`,
      '--state',
      join(dir.path, 'state.sqlite'),
      '--json',
    ];
    const first = await cli(args);
    assert.equal(first.code, 0, first.stderr);
    const delivered = jsonLines(first.stdout).filter((l) => l.outcome === 'delivered');
    assert.equal(delivered.length, 3);
    assert.ok(delivered.every((l) => String(l.location).startsWith(`${db}#`)));
    const second = await cli(args);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(jsonLines(second.stdout).filter((l) => l.outcome === 'delivered').length, 0);
  });

  it('searches newest first, as JSON lines or a table, with --limit', async () => {
    const json = await cli(['search', 'from:ada', '--db', `sqlite:${db}`, '--json']);
    assert.equal(json.code, 0, json.stderr);
    const rows = jsonLines(json.stdout);
    assert.deepEqual(
      rows.map((r) => [r.messageId, r.date, r.subject, r.account]),
      [
        ['<report@example.org>', '2024-03-01T10:00:00.000Z', 'Quarterly report', 'alice@127.0.0.1'],
        ['<notes@example.org>', '2024-02-01T09:00:00.000Z', 'Notes on the engine', 'alice@127.0.0.1'],
      ],
    );
    assert.ok(rows.every((r) => typeof r.id === 'number' && String(r.from).includes('ada@example.org')));

    const attached = jsonLines(
      (await cli(['search', 'has:attachment', '--db', `sqlite:${db}`, '--json'])).stdout,
    );
    assert.deepEqual(
      attached.map((r) => r.subject),
      ['Quarterly report'],
    );
    // A query starting with '-' comes after '--', or commander takes it for an option.
    const negated = jsonLines(
      (await cli(['search', '--db', `sqlite:${db}`, '--json', '--', '-from:ada'])).stdout,
    );
    assert.deepEqual(
      negated.map((r) => r.subject),
      ['Lunch?'],
    );
    const limited = jsonLines(
      (await cli(['search', '', '--db', `sqlite:${db}`, '--json', '--limit', '1'])).stdout,
    );
    assert.deepEqual(
      limited.map((r) => r.subject),
      ['Lunch?'],
    );

    const table = await cli(['search', 'after:2024-02-15', '--db', `sqlite:${db}`]);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^\s*ID {2}DATE\s+FROM\s+SUBJECT\s+ACCOUNT$/);
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, /2024-03-02 12:00 {2}Bob <bob@example\.org> +Lunch\? +alice@127\.0\.0\.1/);
    assert.match(lines[2]!, /2024-03-01 10:00 {2}Ada Lovelace/);
    const none = await cli(['search', 'zebra', '--db', `sqlite:${db}`]);
    assert.equal(none.code, 0);
    assert.match(none.stdout, /no messages match/);
  });

  it('exits 2 with the position on a bad query, a bad --limit, PostgreSQL or a missing archive', async () => {
    const bad = await cli(['search', 'from:ada colour:red', '--db', `sqlite:${db}`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown operator 'colour:'.*\(at position 9\)/);
    assert.match(bad.stderr, /\n {2}from:ada colour:red\n {11}\^\n/);
    assert.equal(bad.stdout, '');
    const date = await cli(['search', 'after:2024-02-30', '--db', `sqlite:${db}`]);
    assert.equal(date.code, 2);
    assert.match(date.stderr, /no such day/);
    const limit = await cli(['search', 'x', '--db', `sqlite:${db}`, '--limit', 'lots']);
    assert.equal(limit.code, 2);
    const pg = await cli(['search', 'x', '--db', 'postgres:mail']);
    assert.equal(pg.code, 2);
    assert.match(pg.stderr, /not a PostgreSQL URL/);
    const missing = await cli(['search', 'x', '--db', `sqlite:${join(dir.path, 'nothing.sqlite')}`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no archive at .*nothing\.sqlite/);
    assert.equal(existsSync(join(dir.path, 'nothing.sqlite')), false, 'search creates no archive');
  });

  it('shows a message readable, or its exact bytes with --raw; exits 1 when there is no such id', async () => {
    const [report] = jsonLines(
      (await cli(['search', 'subject:quarterly', '--db', `sqlite:${db}`, '--json'])).stdout,
    );
    const id = String(report!.id);
    const shown = await cli(['show', id, '--db', `sqlite:${db}`]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^From: Ada Lovelace <ada@example\.org>$/m);
    assert.match(shown.stdout, /^Subject: Quarterly report$/m);
    assert.match(shown.stdout, /^Message-ID: <report@example\.org>$/m);
    assert.match(shown.stdout, /^Attachment: q1\.csv \(text\/csv, /m);
    assert.match(shown.stdout, /\n\nThe figures are attached\./);
    const raw = await cli(['show', id, '--raw', '--db', `sqlite:${db}`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.equal(raw.stdout, REPORT);
    const missing = await cli(['show', '9999', '--db', `sqlite:${db}`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no message 9999/);
    const bad = await cli(['show', 'first', '--db', `sqlite:${db}`]);
    assert.equal(bad.code, 2);
  });

  it('exports matches as mboxrd, oldest first, quoting From lines', async () => {
    const mbox = join(dir.path, 'ada.mbox');
    const done = await cli(['export', 'from:ada', '--mbox', mbox, '--db', `sqlite:${db}`]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stderr, /2 messages written to .*ada\.mbox/);
    const file = readFileSync(mbox);
    assert.match(file.toString(), /\n>From the engine room:\n>>From quoted\n/);
    assert.deepEqual(
      parseMboxrd(file).map((m) => m.toString()),
      [OLD, REPORT].map((m) => toLf(Buffer.from(m)).toString()),
    );
    const bad = await cli(['export', '"open', '--mbox', join(dir.path, 'bad.mbox'), '--db', `sqlite:${db}`]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unterminated quote/);
    assert.equal(existsSync(join(dir.path, 'bad.mbox')), false);
    const noMbox = await cli(['export', 'from:ada', '--db', `sqlite:${db}`]);
    assert.equal(noMbox.code, 2);
    assert.match(noMbox.stderr, /--mbox/);
    const unwritable = await cli([
      'export',
      'from:ada',
      '--mbox',
      join(dir.path, 'no', 'dir.mbox'),
      '--db',
      `sqlite:${db}`,
    ]);
    assert.equal(unwritable.code, 5);
  });

  it('uses the default archive in $XDG_DATA_HOME for --to archive: and a search without --db', async () => {
    const data = dir.sub('data');
    const env = { XDG_DATA_HOME: data };
    const fetched = await cli(
      [
        'fetch',
        ...login(),
        '--password-env',
        'PW',
        '--to',
        'archive:',
        '--state',
        join(dir.path, 'default-state.sqlite'),
      ],
      env,
    );
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.ok(existsSync(join(data, 'pop3kit', 'archive.sqlite')));
    const found = await cli(['search', 'lunch', '--json'], env);
    assert.equal(found.code, 0, found.stderr);
    assert.deepEqual(
      jsonLines(found.stdout).map((r) => r.messageId),
      ['<lunch@example.org>'],
    );
    // Without XDG_DATA_HOME: ~/.local/share/pop3kit/archive.sqlite, not there yet in this HOME.
    const fallback = await cli(['search', 'lunch']);
    assert.equal(fallback.code, 2);
    assert.match(fallback.stderr, /no archive at .*\.local\/share\/pop3kit\/archive\.sqlite/);
  });
});
