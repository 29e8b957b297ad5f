// `pop3kit fetch` end to end: the compiled CLI against pop3kit/server on 127.0.0.1, with the
// real retriever core. Each test has its own HOME, so defaults (~/Maildir, the state under
// ~/.local/state/pop3kit) are exercised without touching the real ones.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getTestCerts } from '../helpers/certs.js';
import {
  closedPort,
  jsonLines,
  maildirNew,
  message,
  runCli,
  startCli,
  startServer,
  TempDir,
  type TestServer,
} from './helpers.js';

const ENV = { PW: 'secret' };
const login = (port: number) => [
  '--host',
  '127.0.0.1',
  '--port',
  String(port),
  '--user',
  'alice',
  '--password-env',
  'PW',
];

describe('pop3kit fetch against pop3kit/server', () => {
  let dir: TempDir;
  const servers: TestServer[] = [];
  const start = async (...args: Parameters<typeof startServer>) => {
    const started = await startServer(...args);
    servers.push(started);
    return started;
  };
  let homes = 0;
  const newHome = () => dir.sub(`home${++homes}`);

  before(() => {
    dir = new TempDir();
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    dir.remove();
  });

  it('fetches into ~/Maildir quietly when not on a terminal; a second run fetches nothing new', async () => {
    const { port, store } = await start();
    const home = newHome();
    const first = await runCli(['fetch', ...login(port)], { home, env: ENV });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, '');
    assert.equal(first.stderr, '');
    const files = maildirNew(join(home, 'Maildir'));
    assert.equal(files.length, 3);
    const bodies = files.map((f) => readFileSync(join(home, 'Maildir', 'new', f), 'utf8')).sort();
    assert.match(bodies[0]!, /^From: Bob <bob@example.org>\nSubject: message 1\n/);
    assert.ok(existsSync(join(home, '.local', 'state', 'pop3kit', 'alice@127.0.0.1.sqlite')));
    assert.equal(store.messages('alice').length, 3, '--keep is the default');

    const second = await runCli(['fetch', ...login(port), '--verbose'], { home, env: ENV });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, 'alice@127.0.0.1: nothing new; 3 already seen\n');
    assert.equal(maildirNew(join(home, 'Maildir')).length, 3);
  });

  it('prints one JSON line per message and a summary with --json', async () => {
    const { port } = await start();
    const home = newHome();
    const { code, stdout, stderr } = await runCli(['fetch', ...login(port), '--json'], { home, env: ENV });
    assert.equal(code, 0, stderr);
    const lines = jsonLines(stdout);
    assert.equal(lines.length, 4);
    const messages = lines.slice(0, 3);
    for (const line of messages) {
      assert.deepEqual(Object.keys(line), [
        'type',
        'account',
        'uid',
        'msg',
        'size',
        'outcome',
        'location',
        'reason',
        'error',
      ]);
      assert.equal(line.type, 'message');
      assert.equal(line.account, 'alice@127.0.0.1');
      assert.equal(line.outcome, 'delivered');
      assert.equal(typeof line.uid, 'string');
      assert.equal(typeof line.size, 'number');
      assert.ok(String(line.location).startsWith(join(home, 'Maildir')), String(line.location));
      assert.equal(line.error, null);
    }
    assert.deepEqual(messages.map((m) => m.msg).sort(), [1, 2, 3]);
    const summary = lines[3]!;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.exitCode, 0);
    assert.equal(summary.dryRun, false);
    assert.equal(summary.delivered, 3);
    assert.equal(summary.failed, 0);
    const accounts = summary.accounts as Record<string, unknown>[];
    assert.equal(accounts.length, 1);
    assert.equal(accounts[0]!.account, 'alice@127.0.0.1');
    assert.equal(accounts[0]!.delivered, 3);
    assert.equal(accounts[0]!.error, null);
  });

  it('--dry-run lists what would be fetched and changes nothing', async () => {
    const { port, store } = await start();
    const home = newHome();
    const text = await runCli(['fetch', ...login(port), '--dry-run', '--delete'], { home, env: ENV });
    assert.equal(text.code, 0, text.stderr);
    const [head, ...rows] = text.stdout.trimEnd().split('\n');
    assert.match(head!, /^alice@127\.0\.0\.1: would fetch 3 messages \(\d+ B\)$/);
    assert.equal(rows.length, 3);
    assert.match(rows[0]!, /^ +1 +\d+ B +m\d+$/);

    const json = await runCli(['fetch', ...login(port), '--dry-run', '--json'], { home, env: ENV });
    assert.equal(json.code, 0, json.stderr);
    const lines = jsonLines(json.stdout);
    const planned = lines.filter((l) => l.type === 'planned');
    assert.equal(planned.length, 3);
    assert.deepEqual(Object.keys(planned[0]!), ['type', 'account', 'uid', 'msg', 'size']);
    assert.equal(lines.at(-1)!.type, 'summary');
    assert.equal(lines.at(-1)!.dryRun, true);
    assert.equal(lines.at(-1)!.planned, 3);

    assert.equal(existsSync(join(home, 'Maildir')), false, 'no Maildir created');
    assert.equal(existsSync(join(home, '.local', 'state', 'pop3kit', 'alice@127.0.0.1.sqlite')), false);
    assert.equal(store.messages('alice').length, 3, 'nothing deleted');
  });

  it('--delete removes delivered messages from the server; --to mbox:FILE appends to an mbox', async () => {
    const { port, store } = await start();
    const home = newHome();
    const mbox = join(home, 'inbox.mbox');
    const { code, stderr } = await runCli(['fetch', ...login(port), '--delete', '--to', `mbox:${mbox}`], {
      home,
      env: ENV,
    });
    assert.equal(code, 0, stderr);
    assert.equal(store.messages('alice').length, 0);
    const text = readFileSync(mbox, 'utf8');
    assert.equal(text.match(/^From /gm)?.length, 3);
    assert.match(text, /^Subject: message 3$/m);
  });

  it('--max-messages limits a run', async () => {
    const { port } = await start();
    const home = newHome();
    const { code, stderr } = await runCli(['fetch', ...login(port), '--max-messages', '2'], {
      home,
      env: ENV,
    });
    assert.equal(code, 0, stderr);
    assert.equal(maildirNew(join(home, 'Maildir')).length, 2);
  });

  describe('exit codes', () => {
    it('exits 3 when the password is wrong', async () => {
      const { port } = await start();
      const { code, stderr } = await runCli(['fetch', ...login(port)], {
        home: newHome(),
        env: { PW: 'wrong' },
      });
      assert.equal(code, 3);
      assert.match(stderr, /alice@127\.0\.0\.1: FAILED \(auth\): .*Authentication failed/);
    });

    it('exits 4 when nothing listens on the port', async () => {
      const port = await closedPort();
      const { code, stderr } = await runCli(['fetch', ...login(port)], { home: newHome(), env: ENV });
      assert.equal(code, 4);
      assert.match(stderr, /FAILED \(network\): .*ECONNREFUSED/);
    });

    it('exits 4 on a certificate it cannot trust, and fetches with --ca', async () => {
      const certs = getTestCerts();
      const { port } = await start(undefined, {
        tls: { key: certs.keyPem, cert: certs.certPem },
        secure: true,
      });
      const home = newHome();
      const untrusted = await runCli(['fetch', ...login(port), '--secure'], { home, env: ENV });
      assert.equal(untrusted.code, 4);
      assert.match(untrusted.stderr, /FAILED \(tls\)/);
      const trusted = await runCli(['fetch', ...login(port), '--secure', '--ca', certs.caFile], {
        home,
        env: ENV,
      });
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.equal(maildirNew(join(home, 'Maildir')).length, 3);
    });

    it('exits 1 when the server fails every RETR (failCommands), keeping the messages for next time', async () => {
      const { port, store } = await start(undefined, {
        faults: { failCommands: { RETR: '[SYS/TEMP] disk on fire' } },
      });
      const home = newHome();
      const { code, stdout, stderr } = await runCli(['fetch', ...login(port), '--json', '--delete'], {
        home,
        env: ENV,
      });
      assert.equal(code, 1, stderr);
      const failed = jsonLines(stdout).filter((l) => l.type === 'message');
      assert.ok(failed.length > 0);
      for (const line of failed) {
        assert.equal(line.outcome, 'failed');
        assert.match(String(line.error), /disk on fire/);
      }
      assert.match(stderr, /message \d \(uid m\d, \d+ B\) failed: .*disk on fire/);
      assert.equal(store.messages('alice').length, 3);
    });

    it('exits 1 when one message fails and the others are delivered (partial success)', async () => {
      const { port } = await start(undefined, {
        onRetrieve: (request) => {
          if (request.command === 'RETR' && request.msg === 2) throw new Error('[SYS/TEMP] not this one');
        },
      });
      const home = newHome();
      const { code, stdout, stderr } = await runCli(['fetch', ...login(port), '--verbose'], {
        home,
        env: ENV,
      });
      assert.equal(code, 1, stderr);
      assert.equal(maildirNew(join(home, 'Maildir')).length, 2);
      assert.match(stdout, /alice@127\.0\.0\.1: 2 delivered .*1 failed/);
      assert.match(stderr, /message 2 \(uid m\d+, \d+ B\) failed: .*not this one/);
    });

    it('exits 5 when the MDA fails, leaving the mail on the server', async () => {
      const { port, store } = await start();
      const { code, stderr } = await runCli(
        ['fetch', ...login(port), '--delete', '--to', 'mda:cat >/dev/null; exit 75'],
        {
          home: newHome(),
          env: ENV,
        },
      );
      assert.equal(code, 5, stderr);
      assert.match(stderr, /FAILED \(delivery\)/);
      assert.equal(store.messages('alice').length, 3);
    });
  });

  it('on SIGINT finishes what it has, saves it, and exits 130; the next run fetches the rest', async () => {
    let reached!: () => void;
    const atMessage3 = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { port } = await start([message(1), message(2), message(3), message(4)], {
      // The server holds RETR 3 until the CLI has been interrupted.
      onRetrieve: async (request) => {
        if (request.command !== 'RETR' || request.msg !== 3) return;
        reached();
        await held;
      },
    });
    const home = newHome();
    const run = startCli(['fetch', ...login(port), '--json'], { home, env: ENV });
    await atMessage3;
    run.child.kill('SIGINT');
    // The CLI says so on stderr once it has seen the signal; then the server may go on.
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        if (chunk.toString().includes('interrupted')) resolve();
      };
      run.child.stderr!.on('data', onData);
    });
    release();
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 130, stderr);
    assert.equal(jsonLines(stdout).at(-1)!.exitCode, 130);
    const first = maildirNew(join(home, 'Maildir')).length;
    assert.ok(first < 4, `stopped early: ${first} delivered`);

    const rest = await runCli(['fetch', ...login(port)], { home, env: ENV });
    assert.equal(rest.code, 0, rest.stderr);
    assert.equal(maildirNew(join(home, 'Maildir')).length, 4, 'each message exactly once');
  });

  it('fetches a larger mailbox completely (the demo mail)', async () => {
    const { demoMailbox } = await import('../../src/cli/demo-mail.js');
    const mail = demoMailbox(60);
    const { port } = await start(mail);
    const home = newHome();
    const { code, stdout, stderr } = await runCli(['fetch', ...login(port), '--json'], { home, env: ENV });
    assert.equal(code, 0, stderr);
    assert.equal(jsonLines(stdout).at(-1)!.delivered, 60);
    const files = maildirNew(join(home, 'Maildir'));
    assert.equal(files.length, 60);
    const delivered = new Set(files.map((f) => readFileSync(join(home, 'Maildir', 'new', f), 'utf8')));
    for (const m of mail)
      assert.ok(delivered.has(m.replace(/\r\n/g, '\n')), 'each message arrives intact (LF line ends)');
  });

  it('fetches one message that starts lines with dots intact', async () => {
    const { port } = await start([message(1, '.dot\r\n..two dots\r\n')]);
    const home = newHome();
    const { code, stderr } = await runCli(['fetch', ...login(port)], { home, env: ENV });
    assert.equal(code, 0, stderr);
    const [file] = maildirNew(join(home, 'Maildir'));
    assert.match(readFileSync(join(home, 'Maildir', 'new', file!), 'utf8'), /\n\.dot\n\.\.two dots\n$/);
  });
});
