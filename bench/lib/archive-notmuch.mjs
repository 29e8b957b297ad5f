// notmuch (Debian `notmuch`), the archive bench's reference: the same messages as a Maildir,
// indexed by `notmuch new` with a private config (NOTMUCH_CONFIG, HOME and the database in the
// bench's temp dir, so no user's notmuch setup is read or touched), searched by `notmuch search`.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

function probeVersion() {
  const result = spawnSync('notmuch', ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return /notmuch (\S+)/.exec(result.stdout)?.[1] ?? 'unknown';
}

export const notmuchVersion = probeVersion();

/** Bytes under `path` (files only, recursively), as the size of a notmuch database or Maildir. */
export function treeBytes(path) {
  let total = 0;
  for (const entry of fs.readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) total += treeBytes(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

/**
 * Writes every message into `dir` (a Maildir: cur/, new/, tmp/) with LF line ends, as a delivery
 * agent (and `pop3kit fetch --to maildir:`) leaves them; seen-flagged in cur/ so nothing renames
 * them. Returns the bytes written.
 */
export function writeMaildir(dir, messages) {
  for (const sub of ['cur', 'new', 'tmp']) fs.mkdirSync(join(dir, sub), { recursive: true });
  let bytes = 0;
  messages.forEach((m, i) => {
    const lf = Buffer.from(m.raw.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    fs.writeFileSync(join(dir, 'cur', `${1700000000 + i}.M${i}P1.bench:2,S`), lf);
    bytes += lf.length;
  });
  return bytes;
}

/** A private notmuch setup in `work`: config, mail root `maildir`, database in `work/notmuch-db`. */
export function notmuchSetup(work, maildir) {
  const database = join(work, 'notmuch-db');
  fs.mkdirSync(database, { recursive: true });
  const config = join(work, 'notmuch-config');
  fs.writeFileSync(
    config,
    [
      '[database]',
      `path=${database}`,
      `mail_root=${maildir}`,
      '[user]',
      'name=Bench User',
      'primary_email=me@example.com',
      '[new]',
      'tags=inbox;unread;',
      'ignore=',
      '[search]',
      'exclude_tags=',
      '[maildir]',
      'synchronize_flags=false',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, NOTMUCH_CONFIG: config, HOME: work, XDG_CONFIG_HOME: join(work, '.config') };
  delete env.NOTMUCH_PROFILE;
  delete env.NOTMUCH_DATABASE;
  delete env.MAILDIR;
  return { config, database, env };
}

function run(setup, args) {
  const result = spawnSync('notmuch', args, {
    encoding: 'utf8',
    env: setup.env,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(`notmuch ${args.join(' ')}: exit ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** What `notmuch search` is run as for one query: the newest 50, a summary line each. */
export const searchArgs = (query) => ['search', '--limit=50', '--sort=newest-first', '--', query];

/** Wall seconds of one `notmuch search` process (spawn to exit), and its line count. */
export function timeSearch(setup, query) {
  const started = performance.now();
  const out = run(setup, searchArgs(query));
  return { ms: performance.now() - started, lines: out.split('\n').filter(Boolean).length };
}

/** How many messages match (`notmuch count`, messages, not threads). */
export function countMatches(setup, query) {
  return Number(run(setup, ['count', '--', query]).trim());
}
