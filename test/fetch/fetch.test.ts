// fetchAccount end to end against pop3kit/server: what each policy, filter and destination
// does to the mail, the server and the state.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { runFetch } from '../../src/fetch/fetch-account.js';
import { FetchError, fetchAccount } from '../../src/fetch/index.js';
import { StateStore } from '../../src/fetch/state-store.js';
import type { AccountConfig, MessageEvent } from '../../src/fetch/types.js';
import { toLf } from '../../src/protocol/line-ends.js';
import {
  accountFor,
  compareDelivered,
  maildirMessages,
  makeMessages,
  mboxMessages,
  startServer,
  type TestServer,
  tempDir,
} from './support.js';

const DAY = 24 * 60 * 60 * 1000;

let server: TestServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  server = undefined;
  dir = undefined;
});

async function setUp(messages: readonly string[], overrides: Partial<AccountConfig> = {}) {
  server = await startServer({ alice: messages });
  dir = tempDir();
  return { server, dir, account: accountFor(server.port, 'alice', dir, overrides) };
}

function collect() {
  const events: MessageEvent[] = [];
  const warnings: string[] = [];
  return {
    events,
    warnings,
    options: {
      events: {
        onMessage: (e: MessageEvent) => events.push(e),
        onWarning: (w: { message: string }) => warnings.push(w.message),
      },
    },
  };
}

describe('fetchAccount', () => {
  it('delivers every message into Maildir with LF line ends, and nothing twice on the next run', async () => {
    const source = makeMessages(30);
    const { account } = await setUp(source);
    const first = await fetchAccount(account);
    assert.equal(first.delivered, 30);
    assert.equal(first.deleted, 0);
    const second = await fetchAccount(account);
    assert.equal(second.delivered, 0, 'the state remembers what was delivered');
    const delivered = maildirMessages(join(dir!, 'Maildir'));
    assert.deepEqual(compareDelivered(source, delivered), { lost: [], duplicates: [], unexpected: [] });
    assert.ok(
      delivered.every((m) => !m.includes('\r\n')),
      'Maildir files use LF',
    );
    assert.equal(server!.store.messages('alice').length, 30, 'keep is the default');
  });

  it('fetches only what arrived since the last run', async () => {
    const { account } = await setUp(makeMessages(5, 'old'));
    await fetchAccount(account);
    const fresh = makeMessages(3, 'new');
    for (const m of fresh) server!.store.add('alice', m);
    const plans: number[] = [];
    const summary = await fetchAccount(account, {
      events: { onPlan: (p) => plans.push(p.messages, p.alreadySeen) },
    });
    assert.equal(summary.delivered, 3);
    assert.deepEqual(plans, [3, 5]);
  });

  it('delete after delivery: DELE and QUIT remove exactly the delivered messages, and the state forgets them', async () => {
    const source = makeMessages(12);
    const { account } = await setUp(source, { deletePolicy: { kind: 'after-delivery' } });
    const summary = await fetchAccount(account);
    assert.deepEqual([summary.delivered, summary.deleted], [12, 12]);
    assert.equal(server!.store.messages('alice').length, 0);
    const again = await fetchAccount(account);
    assert.deepEqual([again.delivered, again.deleted], [0, 0]);
    const store = StateStore.open(account.statePath, account.name, { readOnly: true });
    assert.equal(store.entries().size, 0, 'UIDs the server no longer has are forgotten');
    store.close();
  });

  it('delete after N days counts from first sight', async () => {
    const { account } = await setUp(makeMessages(4), { deletePolicy: { kind: 'after-days', days: 7 } });
    let now = Date.UTC(2024, 0, 1);
    const first = await runFetch(account, {}, { now: () => now });
    assert.deepEqual([first.delivered, first.deleted], [4, 0]);
    now += 6 * DAY;
    assert.equal((await runFetch(account, {}, { now: () => now })).deleted, 0);
    now += 1 * DAY;
    const late = await runFetch(account, {}, { now: () => now });
    assert.equal(late.deleted, 4);
    assert.equal(server!.store.messages('alice').length, 0);
  });

  it('skips or deletes messages over the size limit', async () => {
    const small = 'Subject: small\r\n\r\nhi\r\n';
    const big = `Subject: big\r\n\r\n${'x'.repeat(5000)}\r\n`;
    const { account } = await setUp([small, big, small.replace('small', 'small 2')]);
    const skip = collect();
    const skipped = await fetchAccount(
      { ...account, maxMessageSize: { limit: 1000, action: 'skip' } },
      skip.options,
    );
    assert.deepEqual([skipped.delivered, skipped.skipped, skipped.deleted], [2, 1, 0]);
    assert.equal(skip.events.find((e) => e.outcome === 'skipped')?.reason, 'too-big');
    const deleted = await fetchAccount({ ...account, maxMessageSize: { limit: 1000, action: 'delete' } });
    assert.deepEqual([deleted.delivered, deleted.deleted], [0, 1], 'deleted without delivery, keep or not');
    assert.equal(server!.store.messages('alice').length, 2);
    assert.equal(maildirMessages(join(dir!, 'Maildir')).length, 2);
  });

  it('takes at most maxMessages and maxBytes per run, the rest in later runs', async () => {
    const source = makeMessages(10);
    const { account } = await setUp(source);
    const one = await fetchAccount({ ...account, maxMessages: 4 });
    assert.deepEqual([one.delivered, one.skipped], [4, 6]);
    const sizes = source.map((m) => Buffer.byteLength(m));
    const budget = sizes[4]! + sizes[5]!;
    const two = await fetchAccount({ ...account, maxBytes: budget });
    assert.equal(two.delivered, 2);
    await fetchAccount(account);
    assert.deepEqual(compareDelivered(source, maildirMessages(join(dir!, 'Maildir'))).duplicates, []);
    assert.equal(maildirMessages(join(dir!, 'Maildir')).length, 10);
  });

  it('header rules skip, discard, or deliver to another Maildir', async () => {
    const messages = [
      'Subject: [spam] buy now\r\n\r\nx\r\n',
      'Subject: hello\r\nList-Id: <dev.lists.example.org>\r\n\r\nlist mail\r\n',
      'Subject: =?UTF-8?B?w6lsw6h2ZQ==?= later\r\n\r\nkeep me on the server\r\n',
      'Subject: plain\r\n\r\nordinary\r\n',
    ];
    const lists = join(tempDir(), 'Lists');
    const { account } = await setUp(messages, {
      deletePolicy: { kind: 'after-delivery' },
      filters: [
        { header: 'subject', pattern: /^\[spam\]/, action: 'discard' },
        { header: 'List-Id', pattern: /dev\.lists/, action: { deliverTo: { kind: 'maildir', path: lists } } },
        { header: 'Subject', pattern: /^élève/, action: 'skip' },
      ],
    });
    const { events, options } = collect();
    const summary = await fetchAccount(account, options);
    assert.deepEqual([summary.delivered, summary.discarded, summary.skipped], [2, 1, 1]);
    assert.deepEqual(maildirMessages(join(lists)).map(String), [toLf(Buffer.from(messages[1]!)).toString()]);
    assert.deepEqual(maildirMessages(join(dir!, 'Maildir')).map(String), [
      toLf(Buffer.from(messages[3]!)).toString(),
    ]);
    // Discarded and delivered leave under after-delivery; the skipped one stays for next time.
    assert.deepEqual(
      server!.store.messages('alice').map((m) => m.body.toString()),
      [messages[2]],
    );
    assert.ok(events.some((e) => e.outcome === 'discarded' && e.reason === 'filter'));
    fs.rmSync(join(lists, '..'), { recursive: true, force: true });
  });

  it("the filter command decides with mpop's exit codes (0 deliver, 1 skip, 2 discard)", async () => {
    const messages = [
      'Subject: deliver\r\n\r\na\r\n',
      'Subject: skip\r\n\r\nb\r\n',
      'Subject: discard\r\n\r\nc\r\n',
      'Subject: weird\r\n\r\nd\r\n',
    ];
    const command =
      'h=$(cat); case "$h" in *deliver*) exit 0;; *skip*) exit 1;; *discard*) exit 2;; *) exit 9;; esac';
    const { account } = await setUp(messages, { filterCommand: command });
    const summary = await fetchAccount(account);
    assert.deepEqual([summary.delivered, summary.skipped, summary.discarded, summary.failed], [1, 1, 1, 1]);
    assert.match(summary.failures[0]!.reason, /exit status 9/);
    const again = await fetchAccount(account);
    assert.deepEqual([again.delivered, again.discarded], [0, 0], 'discarded is remembered');
  });

  it('dry run lists the plan and changes nothing', async () => {
    const { account } = await setUp(makeMessages(6));
    const summary = await fetchAccount(
      { ...account, deletePolicy: { kind: 'after-delivery' } },
      { dryRun: true },
    );
    assert.equal(summary.planned.length, 6);
    assert.equal(summary.delivered, 0);
    assert.equal(fs.existsSync(account.statePath), false, 'no state file is created');
    assert.equal(fs.existsSync(join(dir!, 'Maildir')), false);
    assert.equal(server!.store.messages('alice').length, 6);
  });

  it('falls back to Message-ID and size when the server has no UIDL, with a warning', async () => {
    const source = [...makeMessages(4), makeMessages(1)[0]!]; // two identical messages: both come
    server = await startServer({ alice: source }, { faults: { failCommands: { UIDL: 'not supported' } } });
    dir = tempDir();
    const account = accountFor(server.port, 'alice', dir);
    const { warnings, options } = collect();
    assert.equal((await fetchAccount(account, options)).delivered, 5);
    assert.ok(warnings.some((w) => /does not support UIDL/.test(w)));
    assert.equal((await fetchAccount(account)).delivered, 0);
  });

  it('does not even try UIDL when CAPA lacks it (RFC 2449 §6.5), and falls back', async () => {
    const source = makeMessages(3);
    server = await startServer({ alice: source });
    dir = tempDir();
    // A relay that strikes UIDL from the CAPA reply and records what the client sends.
    const sent: Buffer[] = [];
    const relay = net.createServer((client) => {
      const upstream = net.connect(server!.port, '127.0.0.1');
      client.on('data', (chunk: Buffer) => {
        sent.push(chunk);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        client.write(Buffer.from(chunk.toString('latin1').replace('\r\nUIDL\r\n', '\r\n'), 'latin1'));
      });
      for (const [a, b] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        a.on('error', () => b.destroy());
        a.on('close', () => b.end());
      }
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = relay.address() as net.AddressInfo;
      const { warnings, options } = collect();
      const summary = await fetchAccount(accountFor(port, 'alice', dir), options);
      assert.equal(summary.delivered, 3);
      assert.ok(warnings.some((w) => /does not support UIDL/.test(w)));
      assert.doesNotMatch(Buffer.concat(sent).toString('latin1'), /UIDL/);
    } finally {
      await new Promise((resolve) => relay.close(resolve));
    }
  });

  it('streams big messages to Maildir and mbox in bounded memory, byte for byte', async () => {
    const big = `Return-Path: <big@example.org>\r\nSubject: big\r\n\r\n${'From line\r\n.dot\r\nline\r\n'.repeat(40_000)}`;
    const source = [makeMessages(1)[0]!, big, makeMessages(2)[1]!];
    const { account } = await setUp(source);
    const tiny = { streamAbove: 10_000 };
    assert.equal((await runFetch(account, {}, tiny)).delivered, 3);
    const mbox = join(dir!, 'big.mbox');
    const mboxAccount = {
      ...account,
      name: 'alice-mbox',
      destination: { kind: 'mbox' as const, path: mbox },
    };
    assert.equal((await runFetch(mboxAccount, {}, tiny)).delivered, 3);
    for (const delivered of [maildirMessages(join(dir!, 'Maildir')), mboxMessages(mbox)]) {
      assert.deepEqual(compareDelivered(source, delivered), { lost: [], duplicates: [], unexpected: [] });
    }
    assert.match(fs.readFileSync(mbox, 'latin1'), /^From big@example\.org /m);
  });

  it('delivers through an MDA, one message per run of the command', async () => {
    const source = makeMessages(5);
    const { account } = await setUp(source);
    const out = join(dir!, 'mda-out');
    fs.mkdirSync(out);
    const command = `cat > "${out}/$POP3KIT_UID"`;
    const summary = await fetchAccount({ ...account, destination: { kind: 'mda', command } });
    assert.equal(summary.delivered, 5);
    const delivered = fs.readdirSync(out).map((name) => fs.readFileSync(join(out, name)));
    assert.deepEqual(compareDelivered(source, delivered), { lost: [], duplicates: [], unexpected: [] });
  });

  it('refuses a second run of the same account while one runs', async () => {
    const { account } = await setUp(makeMessages(200));
    const first = fetchAccount(account);
    const second = fetchAccount(account).then(
      () => undefined,
      (error: unknown) => error,
    );
    const [done, refused] = await Promise.all([first, second]);
    assert.equal(done.delivered, 200);
    assert.ok(refused instanceof FetchError);
    assert.equal(refused.kind, 'busy');
  });

  it('reports a wrong password or a failing password source as kind auth, a bad config as kind config', async () => {
    const { account } = await setUp(makeMessages(1));
    const auth = await fetchAccount({ ...account, password: async () => 'wrong' }).catch((e: unknown) => e);
    assert.ok(auth instanceof FetchError);
    assert.equal(auth.kind, 'auth');
    const keyring = new Error('keyring is locked');
    const source = await fetchAccount({
      ...account,
      password: async () => {
        throw keyring;
      },
    }).catch((e: unknown) => e);
    assert.ok(source instanceof FetchError);
    assert.equal(source.kind, 'auth');
    assert.equal((source.cause as Error).cause, keyring);
    const config = await fetchAccount({ ...account, maxMessages: -1 }).catch((e: unknown) => e);
    assert.ok(config instanceof FetchError);
    assert.equal(config.kind, 'config');
  });
});
