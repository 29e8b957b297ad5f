// The CLI's pure parts, in process: value parsers, ~/.netrc, the config file's defaults and
// paths, default paths, and the exit-code table.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigFile } from '../../src/cli/fetch/config-file.js';
import { ExitCode, exitCodeForFailure, worstExitCode } from '../../src/cli/fetch/exit-codes.js';
import { lookupNetrc, parseNetrc } from '../../src/cli/fetch/netrc.js';
import { defaultStatePath, expandPath } from '../../src/cli/fetch/paths.js';
import { choosePasswordSource, readSecret, runSecretCommand } from '../../src/cli/fetch/secrets.js';
import {
  parseDestination,
  parsePattern,
  parseSeconds,
  parseSize,
  UsageError,
} from '../../src/cli/fetch/values.js';
import { TempDir } from './helpers.js';

describe('CLI value parsers', () => {
  it('reads sizes with binary suffixes', () => {
    assert.equal(parseSize('500'), 500);
    assert.equal(parseSize('500k'), 512_000);
    assert.equal(parseSize('10M'), 10 * 1024 * 1024);
    assert.equal(parseSize('1G'), 1024 ** 3);
    assert.equal(parseSize('2MB'), 2 * 1024 * 1024);
    assert.equal(parseSize(4096), 4096);
    for (const bad of ['', '0', '-1', '1.5M', '10X', 'M'])
      assert.throws(() => parseSize(bad), UsageError, `refuses "${bad}"`);
  });

  it('reads seconds into milliseconds', () => {
    assert.equal(parseSeconds('30'), 30_000);
    assert.equal(parseSeconds('0.5'), 500);
    assert.equal(parseSeconds('0'), 0);
    assert.throws(() => parseSeconds('-1'), UsageError);
  });

  it('reads destinations, expanding ~ and relative paths', () => {
    assert.deepEqual(parseDestination('maildir:~/Mail', '/cwd'), {
      kind: 'maildir',
      path: join(process.env.HOME ?? '', 'Mail'),
    });
    assert.deepEqual(parseDestination('mbox:inbox', '/cwd'), { kind: 'mbox', path: '/cwd/inbox' });
    assert.deepEqual(parseDestination('mda:procmail -d alice', '/cwd'), {
      kind: 'mda',
      command: 'procmail -d alice',
    });
    assert.deepEqual(parseDestination('MDA:/usr/bin/x: y', '/cwd'), {
      kind: 'mda',
      command: '/usr/bin/x: y',
    });
    assert.deepEqual(parseDestination('archive:sqlite:mail.sqlite', '/cwd'), {
      kind: 'archive',
      store: 'sqlite',
      path: '/cwd/mail.sqlite',
    });
    assert.deepEqual(parseDestination('archive:', '/cwd', { XDG_DATA_HOME: '/data' }), {
      kind: 'archive',
      store: 'sqlite',
      path: '/data/pop3kit/archive.sqlite',
    });
    assert.deepEqual(parseDestination('archive:postgres://db/mail', '/cwd'), {
      kind: 'archive',
      store: 'postgres',
      path: 'postgres://db/mail',
    });
    assert.throws(() => parseDestination('archive:postgres:x', '/cwd'), /not a PostgreSQL URL/);
    assert.throws(() => parseDestination('archive:mysql:x', '/cwd'), /use sqlite:FILE/);
    for (const bad of ['maildir:', 'inbox', 'imap:x', 'mda: '])
      assert.throws(
        () => parseDestination(bad, '/cwd'),
        /maildir:DIR, mbox:FILE, mda:COMMAND or archive:sqlite:FILE/,
      );
  });

  it('reads /pattern/flags and plain patterns', () => {
    assert.deepEqual(parsePattern('/^\\[spam\\]/i'), /^\[spam\]/i);
    assert.deepEqual(parsePattern('announce'), /announce/);
    assert.throws(() => parsePattern('(('), /not a regular expression/);
  });
});

describe('paths', () => {
  it('puts the state under $XDG_STATE_HOME or ~/.local/state, named safely', () => {
    assert.equal(
      defaultStatePath('alice@pop.example.com', {}, '/home/a'),
      '/home/a/.local/state/pop3kit/alice@pop.example.com.sqlite',
    );
    assert.equal(defaultStatePath('a/b c', { XDG_STATE_HOME: '/x' }, '/home/a'), '/x/pop3kit/a_b_c.sqlite');
    assert.equal(
      defaultStatePath('..', { XDG_STATE_HOME: 'relative' }, '/h'),
      '/h/.local/state/pop3kit/_.sqlite',
    );
    assert.equal(expandPath('~', '/b', '/h'), '/h');
    assert.equal(expandPath('~/m', '/b', '/h'), '/h/m');
    assert.equal(expandPath('m', '/b', '/h'), '/b/m');
  });
});

describe('~/.netrc', () => {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  it('parses machines, default, quoted tokens, comments and skips macdef bodies', () => {
    const entries = parseNetrc(
      [
        '# comment',
        'machine pop.example.com login alice password "p a\\"ss"',
        'macdef init',
        'machine evil login x password y',
        '',
        'machine other.example',
        '  login bob',
        '  password builder account acct',
        'default login anon password guest',
      ].join('\n'),
    );
    assert.deepEqual(entries, [
      { machine: 'pop.example.com', login: 'alice', password: 'p a"ss' },
      { machine: 'other.example', login: 'bob', password: 'builder', account: 'acct' },
      { machine: undefined, login: 'anon', password: 'guest' },
    ]);
  });

  it('finds the entry for host and user, else the default', async () => {
    const home = dir.sub('netrc');
    const file = join(home, '.netrc');
    writeFileSync(
      file,
      'machine h login alice password a1\nmachine h login bob password b1\ndefault login anon password guest\n',
    );
    chmodSync(file, 0o600);
    assert.equal((await lookupNetrc('h', 'bob', home))?.password, 'b1');
    assert.equal((await lookupNetrc('H', undefined, home))?.login, 'alice');
    assert.equal((await lookupNetrc('elsewhere', 'anon', home))?.password, 'guest');
    assert.equal(await lookupNetrc('elsewhere', 'carol', home), undefined);
    assert.equal(await lookupNetrc('h', 'x', dir.sub('no-netrc')), undefined);
  });
});

describe('password sources', () => {
  const context = { env: { PW: 'from-env' }, home: '/nonexistent', interactive: false };

  it('reads an environment variable lazily, and refuses an unset one up front', async () => {
    const { source } = await choosePasswordSource({ passwordEnv: 'PW' }, 'h', 'u', context);
    assert.equal(await readSecret(source!, 'x', context.env)(), 'from-env');
    await assert.rejects(
      choosePasswordSource({ passwordEnv: 'NOPE' }, 'h', 'u', context),
      /NOPE .* is not set/,
    );
  });

  it('runs a command with /bin/sh, removing one trailing newline only', async () => {
    assert.equal(await runSecretCommand('printf "a b\\n\\n"', 'cmd', {}), 'a b\n');
    assert.equal(await runSecretCommand('printf "x\\r\\n"', 'cmd', {}), 'x');
    await assert.rejects(
      runSecretCommand('exit 4', 'the password command', {}),
      /the password command exited with status 4/,
    );
    await assert.rejects(runSecretCommand('true', 'the password command', {}), /printed nothing/);
  });

  it('asks on a terminal when nothing else gives a password, and finds none otherwise', async () => {
    assert.deepEqual(await choosePasswordSource({}, 'h', 'u', { ...context, interactive: true }), {
      source: { kind: 'prompt' },
      user: 'u',
    });
    assert.deepEqual(await choosePasswordSource({}, 'h', 'u', context), { source: undefined, user: 'u' });
  });
});

describe('config file', () => {
  let dir: TempDir;
  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  it('applies defaults per account, an account overriding a whole group, paths from the file', async () => {
    const base = dir.sub('cfg');
    writeFileSync(
      join(base, 'a.yaml'),
      [
        'jobs: 3',
        'defaults:',
        '  host: pop.example.com',
        '  delete-after: 30',
        '  secure: true',
        '  max-size: 10M',
        'accounts:',
        '  - { user: alice, password-env: PW, to: "maildir:mail/alice" }',
        '  - { user: bob, password-env: PW, keep: true, starttls: required, port: 110, to: "mbox:~/bob" }',
      ].join('\n'),
    );
    const file = await loadConfigFile('a.yaml', base);
    assert.equal(file.jobs, 3);
    const [alice, bob] = file.accounts.map((a) => a.settings);
    assert.deepEqual(alice, {
      host: 'pop.example.com',
      deleteAfter: 30,
      secure: true,
      maxSize: 10 * 1024 * 1024,
      user: 'alice',
      passwordEnv: 'PW',
      to: { kind: 'maildir', path: join(base, 'mail/alice') },
    });
    assert.equal(bob!.deleteAfter, undefined, 'keep replaces the default delete-after');
    assert.equal(bob!.secure, undefined, 'starttls replaces the default secure');
    assert.equal(bob!.keep, true);
    assert.equal(file.accounts[1]!.where, `${join(base, 'a.yaml')}: accounts[1]: `);
  });
});

describe('exit codes', () => {
  it('maps failure kinds and picks the most serious', () => {
    assert.equal(exitCodeForFailure('auth'), 3);
    assert.equal(exitCodeForFailure('tls'), 4);
    assert.equal(exitCodeForFailure('protocol'), 4);
    assert.equal(exitCodeForFailure('delivery'), 5);
    assert.equal(exitCodeForFailure('state'), 5);
    assert.equal(exitCodeForFailure('config'), 2);
    assert.equal(exitCodeForFailure('busy'), 6);
    assert.equal(exitCodeForFailure('aborted'), ExitCode.interrupted);
    assert.equal(worstExitCode([0, 1, 4, 3]), 3);
    assert.equal(worstExitCode([1, 6]), 6);
    assert.equal(worstExitCode([3, 5, 2]), 2);
    assert.equal(worstExitCode([]), 0);
  });
});

describe('password prompt', () => {
  it('reads a line in raw mode without echoing it, with backspace', async () => {
    const { PassThrough } = await import('node:stream');
    const { promptHidden } = await import('../../src/cli/fetch/prompt.js');
    const input = Object.assign(new PassThrough(), {
      isTTY: true,
      modes: [] as boolean[],
      setRawMode(mode: boolean) {
        this.modes.push(mode);
      },
    });
    let shown = '';
    const output = new PassThrough().on('data', (d: Buffer) => (shown += d.toString()));
    const answer = promptHidden('Password for a@h: ', input, output);
    input.write('sx\u007fecr');
    input.write('ét\rignored');
    assert.equal(await answer, 'secrét');
    assert.deepEqual(input.modes, [true, false]);
    assert.equal(shown, 'Password for a@h: \n');
  });

  it('rejects on Ctrl-C', async () => {
    const { PassThrough } = await import('node:stream');
    const { promptHidden, PromptInterrupted } = await import('../../src/cli/fetch/prompt.js');
    const input = new PassThrough();
    const answer = promptHidden('? ', input, new PassThrough());
    input.write('abc\u0003');
    await assert.rejects(answer, PromptInterrupted);
  });
});
