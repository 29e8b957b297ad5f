// `npm start`'s demo, as a fresh clone runs it: in an empty directory, twice.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEMO, maildirNew, runCli, TempDir } from './helpers.js';

describe('the npm start demo', () => {
  let dir: TempDir;

  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  it('fetches the generated mailbox into ./demo-mail, and nothing new when run again', async () => {
    const cwd = dir.sub('clone');
    const home = dir.sub('home');
    const first = await runCli([], { script: DEMO, cwd, home });
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /pop3kit\/server is listening on 127\.0\.0\.1:\d+: demo's mailbox holds 150 messages/,
    );
    assert.match(
      first.stdout,
      /\ndemo@127\.0\.0\.1: 150 delivered \([\d.]+ MiB\) to maildir .*demo-mail\/Maildir\n/,
    );
    assert.match(first.stdout, /The mail is in \.\/demo-mail\/Maildir/);
    assert.match(first.stdout, /npx pop3kit fetch --help/);
    const maildir = join(cwd, 'demo-mail', 'Maildir');
    const files = maildirNew(maildir);
    assert.equal(files.length, 150);
    assert.ok(existsSync(join(cwd, 'demo-mail', 'state.sqlite')));
    const all = files.map((f) => readFileSync(join(maildir, 'new', f), 'utf8')).join('\n');
    assert.match(all, /^Subject: =\?UTF-8\?[BQ]\?/m, 'encoded-word headers');
    assert.match(all, /^Content-Type: multipart\/mixed; boundary=/m);
    assert.match(all, /^Content-Disposition: attachment; filename\*=UTF-8''/m);

    const second = await runCli([], { script: DEMO, cwd, home });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /\ndemo@127\.0\.0\.1: nothing new; 150 already seen\n/);
    assert.equal(maildirNew(maildir).length, 150);
  });
});
