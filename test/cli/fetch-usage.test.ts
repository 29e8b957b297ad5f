// `pop3kit fetch` refuses bad flags and config files with a clear message and exit code 2,
// before connecting anywhere (no server runs in these tests).
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, TempDir } from './helpers.js';

describe('pop3kit fetch: usage errors exit 2', { concurrency: 4 }, () => {
  let dir: TempDir;
  let home: string;
  const fetch = (args: string[], env?: Record<string, string>) => runCli(['fetch', ...args], { home, env });
  const account = ['--host', '127.0.0.1', '--user', 'alice', '--password-env', 'PW'];
  const env = { PW: 'secret' };

  before(() => {
    dir = new TempDir();
    home = dir.sub('home');
  });
  after(() => dir.remove());

  it('documents the flags and the exit codes in --help, exiting 0', async () => {
    const { code, stdout } = await fetch(['--help']);
    assert.equal(code, 0);
    for (const text of [
      '--password-command',
      '--delete-after',
      '--max-size-action',
      '--dry-run',
      'mda:COMMAND',
      '--shared <url>',
      'Many workers (--shared postgres://...)',
    ])
      assert.ok(stdout.includes(text), `help mentions ${text}`);
    assert.match(stdout, /Exit codes:\n {2}0 {4}success/);
    assert.match(stdout, /\n {2}3 {4}authentication failed/);
    assert.match(stdout, /\n {2}5 {4}delivery failure/);
  });

  const cases: [string, string[], RegExp][] = [
    ['a missing --host', ['--user', 'alice', '--password-env', 'PW'], /--host is required/],
    ['--lease without --shared', [...account, '--lease', '5'], /--lease applies to --shared workers/],
    [
      '--interval without --shared',
      [...account, '--interval', '5'],
      /--interval applies to --shared workers/,
    ],
    ['--shared with a SQLite archive', [...account, '--shared', 'sqlite:x.db'], /is not a PostgreSQL URL/],
    [
      '--shared with --dry-run',
      [...account, '--shared', 'postgres://127.0.0.1/x', '--dry-run'],
      /--dry-run cannot be combined with --shared/,
    ],
    [
      'a --lease under 0.1 s',
      [...account, '--shared', 'postgres://127.0.0.1/x', '--lease', '0'],
      /too short/,
    ],
    [
      '--shared into a Maildir',
      [...account, '--shared', 'postgres://127.0.0.1/x', '--to', 'maildir:m'],
      /with --shared every account must deliver into a PostgreSQL archive/,
    ],
    ['a port that is not a number', [...account, '--port', 'pop'], /"pop" is not a port number/],
    ['a port out of range', [...account, '--port', '70000'], /not a port number/],
    ['an unknown option', [...account, '--hots', 'x'], /unknown option '--hots'/],
    [
      '--keep with --delete',
      [...account, '--keep', '--delete'],
      /give only one of --keep, --delete, --delete-after/,
    ],
    ['--delete with --delete-after', [...account, '--delete', '--delete-after', '3'], /give only one of/],
    ['--delete-after 0 days', [...account, '--delete-after', '0'], /"0" is not a whole number of at least 1/],
    [
      '--secure with --starttls',
      [...account, '--secure', '--starttls', 'never'],
      /--starttls is for plain connections/,
    ],
    ['a bad --starttls mode', [...account, '--starttls', 'maybe'], /use required, opportunistic or never/],
    ['a bad --max-size', [...account, '--max-size', '10X'], /"10X" is not a size/],
    [
      '--max-size-action without --max-size',
      [...account, '--max-size-action', 'delete'],
      /--max-size-action needs --max-size/,
    ],
    [
      'a bad --max-size-action',
      [...account, '--max-size', '1M', '--max-size-action', 'shred'],
      /use skip or delete/,
    ],
    ['a bad --max-messages', [...account, '--max-messages', '-1'], /is not a whole number/],
    [
      'a destination without a kind',
      [...account, '--to', '/tmp/mail'],
      /use maildir:DIR, mbox:FILE, mda:COMMAND or archive:sqlite:FILE/,
    ],
    ['an unknown mechanism', [...account, '--mechanism', 'KERBEROS5'], /not a login mechanism pop3kit knows/],
    ['--jobs without --config', [...account, '--jobs', '2'], /--jobs applies to several accounts/],
    [
      '--account without --config',
      [...account, '--account', 'x'],
      /--account picks accounts from a --config file/,
    ],
    ['--quiet with --verbose', [...account, '--quiet', '--verbose'], /--quiet or --verbose, not both/],
    ['a bad --timeout', [...account, '--timeout', 'soon'], /not a number of seconds/],
    ['an unreadable --ca file', [...account, '--ca', '/nonexistent/ca.pem'], /cannot read the CA file/],
    [
      'two password sources',
      [...account, '--password-command', 'echo x'],
      /give only one of --password, --password-env/,
    ],
    [
      '--mechanism XOAUTH2 without a token command',
      [...account, '--mechanism', 'XOAUTH2'],
      /needs --token-command/,
    ],
    [
      'an unset --password-env variable',
      ['--host', 'h', '--user', 'a', '--password-env', 'NOT_SET'],
      /NOT_SET \(--password-env\) is not set/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what}`, async () => {
      const { code, stderr, stdout } = await fetch(args, env);
      assert.equal(code, 2, stderr);
      assert.match(stderr, message);
      assert.equal(stdout, '');
    });
  }

  it('refuses to run without a password source when not on a terminal', async () => {
    const { code, stderr } = await fetch(['--host', '127.0.0.1', '--user', 'alice']);
    assert.equal(code, 2);
    assert.match(
      stderr,
      /no password for alice@127\.0\.0\.1: use --password-env NAME or --password-command CMD/,
    );
  });

  it('refuses account flags next to --config, naming them', async () => {
    const config = join(dir.path, 'ok.yaml');
    writeFileSync(config, 'accounts:\n  - { host: h, user: u, password-env: PW }\n');
    const { code, stderr } = await fetch(['--config', config, '--host', 'x', '--delete'], env);
    assert.equal(code, 2);
    assert.match(stderr, /--host, --delete cannot be combined with --config/);
  });

  describe('config files', () => {
    const configCases: [string, string, RegExp][] = [
      ['a YAML syntax error, with its line', 'accounts:\n  - host: [unclosed\n', /bad\.yaml: .*line 3/s],
      [
        'an unknown key, with a suggestion',
        'accounts:\n  - { hots: h, user: u, password-env: PW }\n',
        /accounts\[0\]: hots: unknown setting \(did you mean host\?\)/,
      ],
      [
        'a bad value, naming the entry',
        'accounts:\n  - { host: h, user: u, password-env: PW }\n  - { host: h, user: v, password-env: PW, port: 0 }\n',
        /accounts\[1\]: port: "0" is not a port number/,
      ],
      ['no accounts', 'defaults:\n  keep: true\n', /accounts: expected a list of at least one account/],
      ['a missing host', 'accounts:\n  - { user: u, password-env: PW }\n', /accounts\[0\]: host is required/],
      [
        'conflicting policies',
        'accounts:\n  - { host: h, user: u, password-env: PW, keep: true, delete: true }\n',
        /give only one of keep, delete, delete-after/,
      ],
      [
        'two accounts with one name',
        'accounts:\n  - { host: h, user: u, password-env: PW }\n  - { host: h, user: u, password-env: PW }\n',
        /two accounts are named u@h/,
      ],
      [
        'a bad filter',
        'accounts:\n  - host: h\n    user: u\n    password-env: PW\n    filters:\n      - { header: Subject, pattern: "(", action: discard }\n',
        /accounts\[0\]: filters\[0\]\.pattern: "\(" is not a regular expression/,
      ],
      [
        'a filter with two actions',
        'accounts:\n  - host: h\n    user: u\n    password-env: PW\n    filters:\n      - { header: Subject, pattern: x, action: skip, deliver-to: "maildir:x" }\n',
        /give either action \(skip or discard\) or deliver-to/,
      ],
      [
        'a bad default',
        'defaults:\n  max-size: huge\naccounts:\n  - { host: h, user: u, password-env: PW }\n',
        /defaults: max-size: "huge" is not a size/,
      ],
      [
        'a top-level typo',
        'acounts:\n  - { host: h }\n',
        /acounts: unknown setting \(did you mean accounts\?\)/,
      ],
    ];
    for (const [i, [what, text, message]] of configCases.entries()) {
      it(`refuses ${what}`, async () => {
        const config = join(dir.sub(`bad${i}`), 'bad.yaml');
        writeFileSync(config, text);
        const { code, stderr } = await fetch(['--config', config], env);
        assert.equal(code, 2, stderr);
        assert.match(stderr, message);
      });
    }

    it('refuses a missing config file', async () => {
      const { code, stderr } = await fetch(['--config', join(dir.path, 'none.yaml')]);
      assert.equal(code, 2);
      assert.match(stderr, /cannot read the config file .*none\.yaml/);
    });

    it('refuses a config file holding a password that others can read', async () => {
      const config = join(dir.path, 'open.yaml');
      writeFileSync(config, 'accounts:\n  - { host: h, user: u, password: hunter2 }\n');
      chmodSync(config, 0o644);
      const { code, stderr } = await fetch(['--config', config]);
      assert.equal(code, 2);
      assert.match(stderr, /holds passwords but others can read it: run chmod 600/);
    });

    it('refuses --account naming no account of the file', async () => {
      const config = join(dir.path, 'two.yaml');
      writeFileSync(config, 'accounts:\n  - { name: work, host: h, user: u, password-env: PW }\n');
      const { code, stderr } = await fetch(['--config', config, '--account', 'home'], env);
      assert.equal(code, 2);
      assert.match(stderr, /no account named home .*\(it has: work\)/);
    });
  });
});
