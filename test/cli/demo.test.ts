// `npm start`'s demo, as a fresh clone runs it: in an empty directory, twice.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEMO, jsonLines, maildirNew, runCli, TempDir } from './helpers.js';

describe('the npm start demo', () => {
  let dir: TempDir;

  before(() => {
    dir = new TempDir();
  });
  after(() => dir.remove());

  it('fetches the generated mailbox into ./demo-mail and its archive, and nothing new when run again', async () => {
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
    assert.match(
      first.stdout,
      /\ndemo@127\.0\.0\.1: 150 delivered \([\d.]+ MiB\) to archive sqlite:.*demo-mail\/archive\.sqlite\n/,
    );
    assert.match(
      first.stdout,
      /pop3kit search 'from:ada has:attachment' --db sqlite:\.\/demo-mail\/archive\.sqlite\n\n *ID {2}DATE +FROM +SUBJECT +ACCOUNT\n/,
    );
    const sampleRows =
      first.stdout.match(/^ *\d+ {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}Ada Lovelace .*demo@127\.0\.0\.1$/gm) ?? [];
    assert.ok(sampleRows.length > 0, 'the sample search finds something');
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
    assert.match(
      second.stdout,
      /\ndemo@127\.0\.0\.1: nothing new; 150 already seen\n[\s\S]*\ndemo@127\.0\.0\.1: nothing new; 150 already seen\n/,
    );

    // The sample search, run by the real CLI on the demo's archive, agrees with the demo.
    const db = ['--db', 'sqlite:./demo-mail/archive.sqlite'];
    const search = await runCli(['search', 'from:ada has:attachment', ...db, '--json'], { cwd, home });
    assert.equal(search.code, 0, search.stderr);
    const rows = jsonLines(search.stdout);
    assert.equal(rows.length, sampleRows.length);
    assert.ok(rows.every((r) => String(r.from).includes('ada@') && r.hasAttachment === true));
    const everything = await runCli(['search', '', ...db, '--json'], { cwd, home });
    assert.equal(
      jsonLines(everything.stdout).length,
      150,
      'the archive holds each message once after two runs',
    );
  });
});
