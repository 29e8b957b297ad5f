// Where `pop3kit fetch` gets passwords and tokens: a command, ~/.netrc (in a temp HOME), the
// command line (with a warning), a token command for OAuth2.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { maildirNew, runCli, startServer, TempDir, type TestServer } from './helpers.js';

describe('pop3kit fetch: password sources', () => {
  let dir: TempDir;
  let server: TestServer;
  let homes = 0;
  const newHome = () => dir.sub(`home${++homes}`);
  const at = () => ['--host', '127.0.0.1', '--port', String(server.port)];

  before(async () => {
    dir = new TempDir();
    server = await startServer(undefined, {
      verifyToken: (user, token) => user === 'alice' && token === 'token-for-alice',
    });
  });
  after(async () => {
    await server.close();
    dir.remove();
  });

  it('runs --password-command with /bin/sh and drops one trailing newline', async () => {
    const home = newHome();
    const { code, stderr } = await runCli(
      ['fetch', ...at(), '--user', 'alice', '--password-command', 'printf "secret\\n"'],
      {
        home,
      },
    );
    assert.equal(code, 0, stderr);
    assert.equal(maildirNew(join(home, 'Maildir')).length, 3);
  });

  it('exits 3 naming the password command when it fails', async () => {
    const { code, stderr } = await runCli(
      ['fetch', ...at(), '--user', 'alice', '--password-command', 'exit 9'],
      {
        home: newHome(),
      },
    );
    assert.equal(code, 3);
    assert.match(stderr, /FAILED \(auth\): the password command of alice@127\.0\.0\.1 exited with status 9/);
  });

  it('reads ~/.netrc, user included, when no password flag is given', async () => {
    const home = newHome();
    const netrc = join(home, '.netrc');
    writeFileSync(
      netrc,
      '# mail\nmachine other.example login x password y\nmachine 127.0.0.1\n  login alice\n  password secret\n',
    );
    chmodSync(netrc, 0o600);
    const { code, stderr } = await runCli(['fetch', ...at()], { home });
    assert.equal(code, 0, stderr);
    assert.equal(maildirNew(join(home, 'Maildir')).length, 3);
  });

  it('refuses a ~/.netrc with passwords that others can read', async () => {
    const home = newHome();
    const netrc = join(home, '.netrc');
    writeFileSync(netrc, 'machine 127.0.0.1 login alice password secret\n');
    chmodSync(netrc, 0o644);
    const { code, stderr } = await runCli(['fetch', ...at()], { home });
    assert.equal(code, 2);
    assert.match(stderr, /\.netrc holds passwords but others can read it: run chmod 600/);
  });

  it('takes --password from the command line, with a warning', async () => {
    const home = newHome();
    const { code, stderr } = await runCli(['fetch', ...at(), '--user', 'alice', '--password', 'secret'], {
      home,
    });
    assert.equal(code, 0, stderr);
    assert.match(
      stderr,
      /warning: alice@127\.0\.0\.1: a password on the command line can be read by other users/,
    );
    assert.equal(maildirNew(join(home, 'Maildir')).length, 3);
  });

  it('logs in with an OAuth2 token from --token-command', async () => {
    const home = newHome();
    const { code, stderr } = await runCli(
      [
        'fetch',
        ...at(),
        '--user',
        'alice',
        '--token-command',
        'echo token-for-alice',
        '--mechanism',
        'XOAUTH2',
      ],
      { home },
    );
    assert.equal(code, 0, stderr);
    assert.equal(maildirNew(join(home, 'Maildir')).length, 3);
  });

  it('exits 3 when the token is refused', async () => {
    const { code } = await runCli(['fetch', ...at(), '--user', 'alice', '--token-command', 'echo stale'], {
      home: newHome(),
    });
    assert.equal(code, 3);
  });
});
