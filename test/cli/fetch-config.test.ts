// `pop3kit fetch --config FILE`: several accounts from YAML, fetched concurrently.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MemoryStore } from '../../src/server/index.js';
import { jsonLines, maildirNew, message, runCli, startServer, TempDir, type TestServer } from './helpers.js';

describe('pop3kit fetch --config', () => {
  let dir: TempDir;
  let server: TestServer;
  let n = 0;

  /** A fresh directory with accounts.yaml in it, and a mailbox per user on the server. */
  function setUp(yaml: (port: number) => string): { home: string; config: string; base: string } {
    const base = dir.sub(`case${++n}`);
    const home = dir.sub(`case${n}/home`);
    const config = join(base, 'accounts.yaml');
    writeFileSync(config, yaml(server.port));
    return { home, config, base };
  }

  before(async () => {
    dir = new TempDir();
    const store = new MemoryStore({
      alice: [message(1), message(2), message(3)],
      bob: [message(10), message(11)],
    });
    server = await startServer(undefined, { store });
  });
  after(async () => {
    await server.close();
    dir.remove();
  });

  const twoAccounts = (port: number) => `# two accounts, paths relative to this file
jobs: 2
defaults:
  host: 127.0.0.1
  port: ${port}
  keep: true
accounts:
  - name: alice
    user: alice
    password-env: ALICE_PW
    to: maildir:alice-mail
    state: state/alice.sqlite
  - name: bob
    user: bob
    password-command: echo builder
    to: mbox:bob.mbox
    state: state/bob.sqlite
`;

  it('fetches two accounts concurrently, resolving paths from the file', async () => {
    const { home, config, base } = setUp(twoAccounts);
    const { code, stdout, stderr } = await runCli(['fetch', '--config', config, '--json'], {
      home,
      env: { ALICE_PW: 'secret' },
    });
    assert.equal(code, 0, stderr);
    const lines = jsonLines(stdout);
    const summary = lines.at(-1)!;
    assert.equal(summary.type, 'summary');
    assert.equal(summary.delivered, 5);
    const accounts = summary.accounts as { account: string; delivered: number }[];
    assert.deepEqual(
      accounts.map((a) => [a.account, a.delivered]),
      [
        ['alice', 3],
        ['bob', 2],
      ],
    );
    assert.equal(lines.filter((l) => l.type === 'message' && l.account === 'bob').length, 2);
    assert.equal(maildirNew(join(base, 'alice-mail')).length, 3);
    assert.equal(readFileSync(join(base, 'bob.mbox'), 'utf8').match(/^From /gm)?.length, 2);

    const again = await runCli(['fetch', '--config', config, '--verbose'], {
      home,
      env: { ALICE_PW: 'secret' },
    });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'alice: nothing new; 3 already seen\nbob: nothing new; 2 already seen\n');
  });

  it('fetches only the accounts named by --account', async () => {
    const { home, config, base } = setUp(twoAccounts);
    const { code, stdout, stderr } = await runCli(
      ['fetch', '--config', config, '--account', 'bob', '--verbose'],
      {
        home,
        env: { ALICE_PW: 'secret' },
      },
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^bob: 2 delivered/m);
    assert.doesNotMatch(stdout, /alice/);
    assert.equal(maildirNew(join(base, 'alice-mail')).length, 0);
  });

  it('reports each account, with the most serious exit code: auth (3) over success', async () => {
    const { home, config, base } = setUp(twoAccounts);
    const { code, stdout, stderr } = await runCli(['fetch', '--config', config, '--json'], {
      home,
      env: { ALICE_PW: 'wrong' },
    });
    assert.equal(code, 3);
    const accounts = jsonLines(stdout).at(-1)!.accounts as {
      account: string;
      exitCode: number;
      error: unknown;
    }[];
    assert.deepEqual(
      accounts.map((a) => [a.account, a.exitCode]),
      [
        ['alice', 3],
        ['bob', 0],
      ],
    );
    assert.deepEqual(Object.keys(accounts[0]!.error as object), ['kind', 'message']);
    assert.match(stderr, /alice: FAILED \(auth\)/);
    assert.equal(readFileSync(join(base, 'bob.mbox'), 'utf8').match(/^From /gm)?.length, 2);
  });
});
