// Many `pop3kit fetch --shared` workers, one PostgreSQL: three compiled CLI processes share 20
// accounts on pop3kit/server; one is SIGKILLed in the middle of an account. Every message must
// end up archived exactly once and deleted from the server, and no mailbox may ever be open in
// two sessions at once (the store below counts, rather than refuses, to see any overlap).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresArchive } from '../../src/archive/postgres-archive.js';
import { type Mailbox, type MailStore, MemoryStore, Pop3Server } from '../../src/server/index.js';
import { type PrivatePostgres, postgresSkipReason, startPostgres } from '../helpers/postgres.js';
import { type CliResult, jsonLines, startCli, TempDir } from './helpers.js';

const ACCOUNTS = 20;
const PER_ACCOUNT = 30;
const PASSWORD = 'shared-secret';
const users = Array.from({ length: ACCOUNTS }, (_, i) => `u${String(i + 1).padStart(2, '0')}`);
const accountOf = (user: string) => `${user}@127.0.0.1`;

function mail(user: string, n: number): string {
  return (
    `From: Sender ${n} <s${n}@example.org>\r\nTo: ${user}@example.net\r\nSubject: ${user} message ${n}\r\n` +
    `Message-ID: <${user}.${n}@example.org>\r\nDate: Mon, 4 Mar 2024 10:${String(n % 60).padStart(2, '0')}:00 +0000\r\n\r\n` +
    `Body of ${user} number ${n}.\r\n`
  );
}

/** A MemoryStore that records how many sessions hold each mailbox at once, and every RETR. */
class WatchedStore implements MailStore {
  readonly inner: MemoryStore;
  readonly open = new Map<string, number>();
  readonly maxOpen = new Map<string, number>();
  readonly retrieved = new Map<string, string[]>();
  refusals = 0;
  onRetrieve: (user: string, count: number) => void = () => {};

  constructor(inner: MemoryStore) {
    this.inner = inner;
  }

  async openMailbox(user: string): Promise<Mailbox> {
    const now = (this.open.get(user) ?? 0) + 1;
    this.open.set(user, now);
    this.maxOpen.set(user, Math.max(now, this.maxOpen.get(user) ?? 0));
    let box: Mailbox;
    try {
      box = await this.inner.openMailbox(user);
    } catch (error) {
      this.refusals++;
      this.open.set(user, now - 1);
      throw error;
    }
    let closed = false;
    return {
      messages: box.messages,
      open: (index: number): Promise<Readable> => {
        const list = [...(this.retrieved.get(user) ?? []), box.messages[index]!.uid];
        this.retrieved.set(user, list);
        this.onRetrieve(user, list.length);
        return box.open(index);
      },
      remove: (indexes) => box.remove(indexes),
      close: async () => {
        if (!closed) this.open.set(user, (this.open.get(user) ?? 1) - 1);
        closed = true;
        await box.close();
      },
    };
  }
}

const skip = postgresSkipReason();

describe('pop3kit fetch --shared: workers sharing accounts through PostgreSQL', { skip }, () => {
  let postgres: PrivatePostgres;
  let dir: TempDir;

  before(async () => {
    postgres = (await startPostgres())!;
    dir = new TempDir();
  });
  after(async () => {
    await postgres?.stop();
    dir?.remove();
  });

  async function serve(mailboxes: Record<string, string[]>, retrDelayMs: number) {
    const store = new WatchedStore(new MemoryStore(mailboxes));
    const server = new Pop3Server({
      users: Object.fromEntries(Object.keys(mailboxes).map((u) => [u, PASSWORD])),
      authFailureDelay: 0,
      store,
      faults: { delayReply: { RETR: retrDelayMs } },
    });
    const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
    return { store, server, port };
  }

  function writeConfig(name: string, port: number, url: string, accountUsers: readonly string[]): string {
    const path = join(dir.path, name);
    const accounts = accountUsers.map((u) => `  - user: ${u}`).join('\n');
    writeFileSync(
      path,
      `jobs: 1\ndefaults:\n  host: 127.0.0.1\n  port: ${port}\n  password-env: PW\n  to: archive:${url}\n  delete: true\naccounts:\n${accounts}\n`,
    );
    return path;
  }

  const worker = (config: string, url: string, home: string) =>
    startCli(['fetch', '--config', config, '--shared', url, '--lease', '2', '--json'], {
      home,
      env: { PW: PASSWORD, TZ: 'UTC' },
    });

  it('archives every message exactly once with a worker SIGKILLed mid-account, and never opens a mailbox twice', async () => {
    const mailboxes = Object.fromEntries(
      users.map((u) => [u, Array.from({ length: PER_ACCOUNT }, (_, i) => mail(u, i + 1))]),
    );
    const { store, server, port } = await serve(mailboxes, 15);
    const url = await postgres.createDatabase('scaleout');
    const config = writeConfig('shared.yaml', port, url, users);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const workers = [0, 1, 2].map((i) => worker(config, url, dir.sub(`home${i}`)));
      const victim = workers[0]!;
      // Kill the first worker a third of the way into the second account it works on: it holds
      // that account's lease, has archived nothing of it, and will never release it.
      let victimAccounts = 0;
      let killedIn: string | undefined;
      store.onRetrieve = (user, count) => {
        if (killedIn !== undefined || count !== PER_ACCOUNT / 3) return;
        void db
          .query('SELECT owner FROM fetch_accounts WHERE account = $1', [accountOf(user)])
          .then(({ rows }) => {
            const pid = Number(String(rows[0]?.owner ?? '').split('/')[1]);
            if (pid !== victim.child.pid || killedIn !== undefined || ++victimAccounts < 2) return;
            killedIn = user;
            victim.child.kill('SIGKILL');
          });
      };
      const results: CliResult[] = await Promise.all(workers.map((w) => w.done));
      assert.ok(killedIn, 'the first worker was killed while it held an account');
      assert.equal(results[0]!.code, null, 'killed by a signal');
      for (const survivor of results.slice(1)) assert.equal(survivor.code, 0, survivor.stderr);

      // The account of the dead worker was taken over once its lease ran out.
      const takeovers = results
        .slice(1)
        .flatMap((r) => jsonLines(r.stdout))
        .filter((l) => l.type === 'warning' && String(l.message).startsWith('taken over from worker'));
      assert.deepEqual(
        takeovers.map((l) => l.account),
        [accountOf(killedIn!)],
      );

      // Exactly once: each (account, uid) archived once, each message's content once, none missing.
      const archived = await db.query('SELECT account, uid FROM locations ORDER BY account, uid');
      const left = users.flatMap((u) => store.inner.messages(u));
      assert.equal(left.length, 0, 'every message was deleted from the server');
      assert.equal(archived.rowCount, ACCOUNTS * PER_ACCOUNT);
      const { rows: counts } = await db.query(
        'SELECT count(*)::int AS messages, count(DISTINCT message_id)::int AS ids FROM messages',
      );
      assert.deepEqual(counts[0], { messages: ACCOUNTS * PER_ACCOUNT, ids: ACCOUNTS * PER_ACCOUNT });
      const archive = await PostgresArchive.open(url);
      try {
        for (const user of users) {
          const uids = await archive.uidsOf(accountOf(user));
          assert.equal(uids.size, PER_ACCOUNT, user);
          const raw = await archive.raw(uids.get(`m${users.indexOf(user) * PER_ACCOUNT + 7}`)!);
          assert.equal(raw?.toString('utf8'), mail(user, 7), `${user}'s 7th message, byte for byte`);
        }
      } finally {
        await archive.close();
      }

      // Never two sessions on one mailbox, never an [IN-USE] refusal.
      assert.equal(store.refusals, 0);
      for (const user of users) assert.equal(store.maxOpen.get(user), 1, user);
      // The leases are all released, and each account was polled to the end.
      const { rows: leases } = await db.query(
        'SELECT account, owner, last_error FROM fetch_accounts ORDER BY account',
      );
      assert.equal(leases.length, ACCOUNTS);
      for (const lease of leases)
        assert.deepEqual([lease.owner, lease.last_error], [null, null], lease.account);
    } finally {
      await db.end();
      await server.close({ graceMs: 0 });
    }
  });

  it('does not fetch again what a dead worker archived before it could save the state', async () => {
    const user = 'solo';
    const messages = Array.from({ length: 10 }, (_, i) => mail(user, i + 1));
    const { store, server, port } = await serve({ [user]: messages }, 0);
    const url = await postgres.createDatabase('reconcile');
    // As if a worker had archived the first four and died before QUIT and before saving.
    const archive = await PostgresArchive.open(url);
    const uids = store.inner.messages(user).map((m) => m.uid);
    try {
      for (const [i, uid] of uids.slice(0, 4).entries())
        await archive.ingest(accountOf(user), uid, Buffer.from(messages[i]!));
    } finally {
      await archive.close();
    }
    try {
      const run = await worker(writeConfig('solo.yaml', port, url, [user]), url, dir.sub('solo')).done;
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(store.retrieved.get(user), uids.slice(4), 'only the six not archived were retrieved');
      assert.deepEqual(
        store.inner.messages(user),
        [],
        'all ten deleted: the four known from the archive too',
      );
      const summary = jsonLines(run.stdout).find((l) => l.type === 'summary') as { delivered: number };
      assert.equal(summary.delivered, 6);
    } finally {
      await server.close({ graceMs: 0 });
    }
  });

  it('with --interval, polls again until SIGTERM, then releases its lease', async () => {
    const user = 'poller';
    const { store, server, port } = await serve({ [user]: [mail(user, 1)] }, 0);
    const url = await postgres.createDatabase('interval');
    const config = writeConfig('interval.yaml', port, url, [user]);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const run = startCli(['fetch', '--config', config, '--shared', url, '--interval', '0.3', '--json'], {
        home: dir.sub('interval'),
        env: { PW: PASSWORD },
      });
      const archivedCount = async () =>
        (await db.query('SELECT uid FROM locations').catch(() => ({ rowCount: 0 }))).rowCount;
      const waitFor = async (what: string, ok: () => Promise<boolean>) => {
        for (let i = 0; i < 200 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(await ok(), what);
      };
      await waitFor('the first message archived', async () => (await archivedCount()) === 1);
      store.inner.add(user, mail(user, 2));
      // Archived, then deleted at the QUIT of that same session (a signal in between would
      // rightly leave it on the server for the next poll).
      await waitFor(
        'the second message archived and deleted by a later poll',
        async () => (await archivedCount()) === 2 && store.inner.messages(user).length === 0,
      );
      run.child.kill('SIGTERM');
      const result = await run.done;
      assert.equal(result.code, 130, result.stderr);
      const { rows } = await db.query('SELECT owner, claims FROM fetch_accounts');
      assert.equal(rows[0].owner, null, 'released on SIGTERM');
      assert.ok(rows[0].claims >= 2, `${rows[0].claims} polls`);
    } finally {
      await db.end();
      await server.close({ graceMs: 0 });
    }
  });

  it('with --interval, outlives an outage of the database', async () => {
    const own = (await startPostgres())!;
    const user = 'patient';
    const { server, port } = await serve({ [user]: [mail(user, 1)] }, 0);
    try {
      const url = await own.createDatabase('outage');
      const config = writeConfig('outage.yaml', port, url, [user]);
      const run = startCli(
        ['fetch', '--config', config, '--shared', url, '--interval', '0.2', '--lease', '1'],
        {
          home: dir.sub('outage'),
          env: { PW: PASSWORD },
        },
      );
      let stderr = '';
      run.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      for (
        let i = 0;
        i < 200 && (await db.query('SELECT 1 FROM locations').catch(() => ({ rowCount: 0 }))).rowCount === 0;
        i++
      )
        await new Promise((r) => setTimeout(r, 50));
      await db.end();
      await own.stop();
      for (let i = 0; i < 200 && !stderr.includes('trying again'); i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.match(stderr, /warning: the shared database postgres:\/\/.*; trying again/);
      assert.equal(run.child.exitCode, null, 'still running');
      run.child.kill('SIGTERM');
      assert.equal((await run.done).code, 130);
    } finally {
      await own.stop();
      await server.close({ graceMs: 0 });
    }
  });

  it('says so and exits 4 when the shared database cannot be reached', async () => {
    const { closedPort } = await import('./helpers.js');
    const url = `postgres://worker:hunter2@127.0.0.1:${await closedPort()}/mail`;
    const config = writeConfig('unreachable.yaml', 110, url, ['someone']);
    const run = await startCli(['fetch', '--config', config, '--shared', url], {
      home: dir.sub('unreachable'),
      env: { PW: PASSWORD },
    }).done;
    assert.equal(run.code, 4, run.stderr);
    assert.match(
      run.stderr,
      /error: the shared database postgres:\/\/worker@127\.0\.0\.1:\d+\/mail: .*ECONNREFUSED/,
    );
    assert.doesNotMatch(run.stderr, /hunter2/);
  });

  it('refuses accounts that deliver anywhere but a PostgreSQL archive', async () => {
    const url = postgres.url();
    const config = join(dir.path, 'local.yaml');
    writeFileSync(
      config,
      'defaults:\n  host: 127.0.0.1\n  password-env: PW\naccounts:\n  - user: a\n    to: maildir:/tmp/x\n  - user: b\n    to: archive:sqlite:/tmp/a.sqlite\n',
    );
    const run = await startCli(['fetch', '--config', config, '--shared', url], {
      home: dir.sub('local'),
      env: { PW: 'x' },
    }).done;
    assert.equal(run.code, 2);
    assert.match(run.stderr, /with --shared every account must deliver into a PostgreSQL archive/);
    assert.match(run.stderr, /a@127\.0\.0\.1, b@127\.0\.0\.1 do not/);
  });
});
