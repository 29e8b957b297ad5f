import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getTestCerts, opensslAvailable } from '../helpers/certs.js';
import { TempMaildirs } from './helpers/maildir.js';
import { RawClient } from './helpers/raw-client.js';

// The compiled CLI, as npm's bin link runs it.
const MAIN = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const skip = opensslAvailable()
  ? false
  : 'the openssl CLI is needed for test certificates (apt package openssl)';

/** Starts `pop3kit serve` and resolves once it prints the port it listens on. */
function serve(args: string[]): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, [MAIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', () => {
      const match = /listening on [^ ]+:(\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]), output: () => output });
    });
    child.once('exit', (code) => reject(new Error(`pop3kit serve exited with ${code}: ${output}`)));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('pop3kit serve (CLI)', { skip }, () => {
  let maildirs: TempMaildirs;
  let work: string;
  let usersFile: string;

  before(() => {
    maildirs = new TempMaildirs();
    work = mkdtempSync(join(tmpdir(), 'pop3kit-cli-'));
    usersFile = join(work, 'users');
    writeFileSync(usersFile, '# test users\nalice:secret\nbob:{PLAIN}builder:1000:1000::/home/bob::\n');
  });
  after(() => {
    maildirs.remove();
    rmSync(work, { recursive: true, force: true });
  });

  it('serves a Maildir with STLS, logs each session and stops on SIGTERM', async () => {
    maildirs.deliver('alice', 'Subject: cli\n\nserved by the CLI\n');
    maildirs.mailbox('bob');
    const certs = getTestCerts();
    const { child, port, output } = await serve([
      '--maildir',
      maildirs.root,
      '--users',
      usersFile,
      '--port',
      '0',
      '--tls-cert',
      certs.certFile,
      '--tls-key',
      certs.keyFile,
    ]);
    try {
      const client = await RawClient.connect({ port });
      await client.startTls(certs.caPem);
      await client.command('USER alice');
      assert.match(await client.command('PASS secret'), /^\+OK Logged in\. 1 messages/);
      assert.equal(
        await client.commandMulti('RETR 1'),
        '+OK 35 octets\r\nSubject: cli\r\n\r\nserved by the CLI\r\n.\r\n',
      );
      await client.command('DELE 1');
      assert.equal(await client.command('QUIT'), '+OK Logging out. 0 messages left');
      const bob = await RawClient.connect({ port });
      await bob.command('USER bob');
      assert.match(await bob.command('PASS wrong'), /^-ERR \[AUTH\]/);
      await bob.command('USER bob');
      assert.match(await bob.command('PASS builder'), /^\+OK Logged in/, 'Dovecot passwd-file line');
      await bob.command('QUIT');
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(maildirs.files('alice'), []);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited(child), 0);
    const log = output();
    assert.match(log, /session=\d+ connect from=127\.0\.0\.1:\d+/);
    assert.match(log, /session=\d+ user=alice login tls=yes/);
    assert.match(log, /session=\d+ user=alice end reason=quit retrieved=1 deleted=1 bytes=\d+ ms=\d+/);
    assert.match(log, /session=\d+ login-failed as=bob/);
    assert.doesNotMatch(log, /secret|builder/, 'passwords never reach the log');
  });

  it('exits with an error for a bad users file, naming the line', async () => {
    const bad = join(work, 'bad-users');
    writeFileSync(bad, 'alice:ok\nthis line has no colon\n');
    const child = spawn(process.execPath, [MAIN, 'serve', '--maildir', maildirs.root, '--users', bad], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    assert.equal(await exited(child), 1);
    assert.match(stderr, /users file line 2: expected user:password/);
  });

  it('requires --maildir and --users', async () => {
    const child = spawn(process.execPath, [MAIN, 'serve'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    assert.equal(await exited(child), 1);
    assert.match(stderr, /required option '--maildir <dir>' not specified/);
  });
});
