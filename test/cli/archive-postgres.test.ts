// `pop3kit fetch --to archive:postgres://...`, `search`, `show` and `export --db postgres://...`
// end to end: the compiled CLI against pop3kit/server on 127.0.0.1 and a private PostgreSQL,
// compared with the same mail fetched into SQLite.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PostgresArchive } from '../../src/archive/postgres-archive.js';
import { settlePostgresArchive } from '../../src/fetch/archive-writer.js';
import type { Delivered } from '../../src/fetch/writer.js';
import { type PrivatePostgres, postgresSkipReason, startPostgres } from '../helpers/postgres.js';
import { ARCHIVE_MAIL, jsonLines, runCli, startServer, TempDir, type TestServer } from './helpers.js';

const { report: REPORT, lunch: LUNCH, old: OLD } = ARCHIVE_MAIL;
const UNDATED =
  'From: Carol <carol@example.org>\r\nTo: Demo <demo@example.net>\r\nSubject: No date, café\r\n' +
  'Message-ID: <undated@example.org>\r\n\r\nA note about the cafe and Ada.\r\n';
const MAIL = [REPORT, LUNCH, OLD, UNDATED];

const ENV = { PW: 'secret', TZ: 'UTC' };

const QUERIES = [
  '',
  'from:ada',
  'has:attachment',
  '-from:ada',
  'cafe',
  'after:2024-02-15',
  'subject:"quarterly report"',
  'account:alice@127.0.0.1',
  'zebra',
];

const skip = postgresSkipReason();

describe('the archive commands of pop3kit on PostgreSQL', { skip }, () => {
  let dir: TempDir;
  let server: TestServer;
  let postgres: PrivatePostgres;
  let home: string;
  let url: string;
  let sqlite: string;
  const cli = (args: string[]) => runCli(args, { home, env: ENV });
  const fetchArgs = (to: string, state: string) => [
    'fetch',
    '--host',
    '127.0.0.1',
    '--port',
    String(server.port),
    '--user',
    'alice',
    '--password-env',
    'PW',
    '--to',
    to,
    '--state',
    join(dir.path, state),
    '--json',
  ];
  const pgStats = async () => {
    const archive = await PostgresArchive.open(url);
    try {
      return await archive.stats();
    } finally {
      await archive.close();
    }
  };

  before(async () => {
    dir = new TempDir();
    server = await startServer(MAIL);
    home = dir.sub('home');
    sqlite = join(dir.path, 'archive.sqlite');
    const started = await startPostgres();
    assert.ok(started, 'PostgreSQL is installed (postgresSkipReason said so)');
    postgres = started;
    url = await postgres.createDatabase('cli_archive');
  });
  after(async () => {
    await server?.close();
    await postgres?.stop();
    dir?.remove();
  });

  it('fetches into PostgreSQL once, and a rerun fetches and stores nothing new', async () => {
    const first = await cli(fetchArgs(`archive:${url}`, 'pg-state.sqlite'));
    assert.equal(first.code, 0, first.stderr);
    const delivered = jsonLines(first.stdout).filter((l) => l.outcome === 'delivered');
    assert.equal(delivered.length, 4);
    assert.ok(
      delivered.every((l) =>
        /^postgres:\/\/pop3kit@127\.0\.0\.1:\d+\/cli_archive#\d+$/.test(String(l.location)),
      ),
      JSON.stringify(delivered.map((l) => l.location)),
    );
    const stored = await pgStats();
    assert.deepEqual([stored.messages, stored.locations, stored.blobs], [4, 4, 4]);

    const second = await cli(fetchArgs(`archive:${url}`, 'pg-state.sqlite'));
    assert.equal(second.code, 0, second.stderr);
    assert.equal(jsonLines(second.stdout).filter((l) => l.outcome === 'delivered').length, 0);
    const stats = await pgStats();
    assert.deepEqual([stats.messages, stats.locations, stats.blobs], [4, 4, 4]);

    // Lost state (a fresh state file): everything is fetched again, nothing stored twice.
    const again = await cli(fetchArgs(`archive:${url}`, 'pg-state-2.sqlite'));
    assert.equal(again.code, 0, again.stderr);
    assert.equal(jsonLines(again.stdout).filter((l) => l.outcome === 'delivered').length, 4);
    const after = await pgStats();
    assert.deepEqual([after.messages, after.locations, after.blobs], [4, 4, 4]);

    // The same mail into SQLite, to compare the commands against.
    const lite = await cli(fetchArgs(`archive:sqlite:${sqlite}`, 'lite-state.sqlite'));
    assert.equal(lite.code, 0, lite.stderr);
    assert.equal(jsonLines(lite.stdout).filter((l) => l.outcome === 'delivered').length, 4);
  });

  it('settles pending deliveries by asking PostgreSQL: held ones delivered, others new again', async () => {
    const archive = await PostgresArchive.open(url);
    let held: number | undefined;
    try {
      const [id] = await archive.locate([{ account: 'alice@127.0.0.1', uid: 'nope' }]);
      assert.equal(id, undefined);
      const rows = await archive.search({ terms: [] });
      held = rows[0]?.id;
    } finally {
      await archive.close();
    }
    assert.ok(held !== undefined);
    const shown = await (async () => {
      const a = await PostgresArchive.open(url);
      try {
        return await a.show(held);
      } finally {
        await a.close();
      }
    })();
    const location = shown?.locations[0];
    assert.ok(location, 'the message has a location');
    const calls: string[] = [];
    const delivered: Delivered[] = [];
    const ledger = {
      markPending: () => calls.push('pending'),
      markDelivered: (items: readonly Delivered[]) => {
        delivered.push(...items);
        calls.push(`delivered ${items.map((d) => d.uid).join(',')}`);
      },
      resetPending: (uids: readonly string[]) => calls.push(`reset ${uids.join(',')}`),
    };
    const pending = (path: string, account: string) =>
      ({ kind: 'archive', path, account, store: 'postgres' }) as const;
    const settled = await settlePostgresArchive(
      [
        { uid: location.uid, pending: pending(url, location.account) },
        { uid: 'never', pending: pending(url, location.account) },
        // A database that is not there: asked, nothing found, fetched again.
        { uid: 'elsewhere', pending: pending(postgres.url('no_such_db'), location.account) },
      ],
      ledger,
    );
    assert.deepEqual(settled.delivered, [location.uid]);
    assert.deepEqual(settled.redeliver.sort(), ['elsewhere', 'never']);
    assert.equal(delivered[0]?.location, `${url}#${held}`);
    assert.ok(calls.includes(`delivered ${location.uid}`));
    const noDb = await pgStats();
    assert.equal(noDb.locations, 4, 'settling changed nothing');
  });

  it('searches PostgreSQL with the same results as SQLite, as JSON lines and as a table', async () => {
    for (const query of QUERIES) {
      const pg = await cli(['search', '--db', url, '--json', '--', query]);
      const lite = await cli(['search', '--db', `sqlite:${sqlite}`, '--json', '--', query]);
      assert.equal(pg.code, 0, `${query}: ${pg.stderr}`);
      assert.equal(lite.code, 0, `${query}: ${lite.stderr}`);
      const strip = (stdout: string) => jsonLines(stdout).map(({ id: _id, ...rest }) => rest);
      assert.deepEqual(strip(pg.stdout), strip(lite.stdout), query);
    }
    const some = jsonLines((await cli(['search', '--db', url, '--json', 'from:ada'])).stdout);
    assert.deepEqual(
      some.map((r) => r.messageId),
      ['<report@example.org>', '<notes@example.org>'],
    );
    const limited = jsonLines((await cli(['search', '', '--db', url, '--json', '--limit', '1'])).stdout);
    assert.deepEqual(
      limited.map((r) => r.subject),
      ['Lunch?'],
    );
    const table = await cli(['search', 'after:2024-02-15', '--db', url]);
    const liteTable = await cli(['search', 'after:2024-02-15', '--db', `sqlite:${sqlite}`]);
    assert.equal(table.code, 0, table.stderr);
    const noIds = (s: string) => s.replace(/^\s*\d+ {2}/gm, '');
    assert.equal(noIds(table.stdout), noIds(liteTable.stdout));
    assert.match(table.stdout, /Lunch\?/);
  });

  it('shows a message from PostgreSQL as SQLite does, and exits 1 when there is no such id', async () => {
    for (const messageId of ['<report@example.org>', '<notes@example.org>', '<undated@example.org>']) {
      const query = `subject:"${messageId === '<report@example.org>' ? 'quarterly' : messageId === '<notes@example.org>' ? 'engine' : 'no date'}"`;
      const [pgRow] = jsonLines((await cli(['search', query, '--db', url, '--json'])).stdout);
      const [liteRow] = jsonLines(
        (await cli(['search', query, '--db', `sqlite:${sqlite}`, '--json'])).stdout,
      );
      assert.equal(pgRow?.messageId, messageId);
      assert.equal(liteRow?.messageId, messageId);
      const pgShown = await cli(['show', String(pgRow!.id), '--db', url]);
      const liteShown = await cli(['show', String(liteRow!.id), '--db', `sqlite:${sqlite}`]);
      assert.equal(pgShown.code, 0, pgShown.stderr);
      assert.equal(pgShown.stdout.replace(/^ID:.*$/m, ''), liteShown.stdout.replace(/^ID:.*$/m, ''));
      assert.match(pgShown.stdout, new RegExp(`^Message-ID: ${messageId}$`, 'm'));
      const pgRaw = await cli(['show', String(pgRow!.id), '--raw', '--db', url]);
      assert.equal(pgRaw.code, 0, pgRaw.stderr);
      assert.equal(
        pgRaw.stdout,
        MAIL.find((m) => m.includes(`Message-ID: ${messageId}`)),
      );
    }
    const missing = await cli(['show', '9999', '--db', url]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no message 9999/);
  });

  it('exports from PostgreSQL the same mbox as from SQLite', async () => {
    for (const query of ['from:ada', '']) {
      const pgMbox = join(dir.path, 'pg.mbox');
      const liteMbox = join(dir.path, 'lite.mbox');
      const pg = await cli(['export', query, '--mbox', pgMbox, '--db', url]);
      const lite = await cli(['export', query, '--mbox', liteMbox, '--db', `sqlite:${sqlite}`]);
      assert.equal(pg.code, 0, pg.stderr);
      assert.equal(lite.code, 0, lite.stderr);
      assert.match(pg.stderr, query === '' ? /4 messages written/ : /2 messages written/);
      // The undated message's From_ line carries the export time: compared without it.
      const undatedLine = /^From MAILER-DAEMON .*\n(?=From: Carol <carol@example\.org>\n)/m;
      assert.equal(
        readFileSync(pgMbox, 'utf8').replace(undatedLine, ''),
        readFileSync(liteMbox, 'utf8').replace(undatedLine, ''),
      );
      if (query === '') assert.match(readFileSync(pgMbox, 'utf8'), undatedLine);
    }
    assert.match(
      readFileSync(join(dir.path, 'pg.mbox'), 'utf8'),
      /\n>From the engine room:\n>>From quoted\n/,
    );
  });

  it('exits 5 when the PostgreSQL archive cannot be reached, 2 for a malformed URL, without the password', async () => {
    const gone = await cli([
      'search',
      'x',
      '--db',
      postgres.url('no_such_db').replace('pop3kit@', 'pop3kit:hush@'),
    ]);
    assert.equal(gone.code, 5, gone.stderr);
    assert.match(gone.stderr, /cannot open the archive postgres:\/\/pop3kit@127\.0\.0\.1/);
    assert.doesNotMatch(gone.stderr, /hush/);
    const bad = await cli(['search', 'x', '--db', 'postgres:mail']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not a PostgreSQL URL/);
  });
});
