// The bench's private Dovecot (the interop tests' harness, from dist/) and its mailboxes.
import * as fs from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  attachmentMessage,
  linePool,
  mixedSizes,
  prng,
  textMessage,
  writeLargeMessage,
} from './messages.mjs';

export const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
export const distIndex = join(root, 'dist', 'src', 'index.js');
const dovecotHelper = join(root, 'dist', 'test', 'helpers', 'dovecot.js');
const MiB = 1024 * 1024;

/** One mailbox per kind of mail; scenarios share them (1k and 1k-rtt read the same one). */
export const MAILBOXES = ['small', 'big', 'mixed', 'k1', 'huge'];
export const passwordOf = (user) => `${user}-pass`;

/** Loads the Dovecot harness from dist/; exits with a message when the build is missing. */
export async function loadHarness() {
  if (!fs.existsSync(distIndex) || !fs.existsSync(dovecotHelper)) {
    console.error('bench: dist/ is missing; run `npm run build` first (npm run bench does).');
    process.exit(1);
  }
  return import(dovecotHelper);
}

/** Starts a private Dovecot on 127.0.0.1 with every bench mailbox (empty until seeded). */
export async function startBenchDovecot(harness) {
  const users = MAILBOXES.map((user) => ({ user, pass: passwordOf(user) }));
  // RETR would mark mail \Seen and move it to cur/ at QUIT; every run must meet the same state.
  // A session that is still closing must not count against the next run's login (default 10).
  const extraConfig = [
    'pop3_no_flag_updates = yes',
    'protocol pop3 {\n  mail_max_userip_connections = 1000\n}',
  ];
  return harness.startDovecot({ users, extraConfig: extraConfig.join('\n') });
}

/** Fills one user's Maildir; returns every message's size and its count of dot-stuffed lines. */
export function seed(dovecot, user) {
  const sizes = [];
  const dots = [];
  const add = (message) => {
    dovecot.addMessage(user, message.bytes);
    sizes.push(message.bytes.length);
    dots.push(message.dots);
  };
  if (user === 'small' || user === 'k1') {
    // About 4 KiB each, a quarter of the lines starting with '.'.
    const pool = linePool(1, 4096, 0.25);
    const rand = prng(user === 'small' ? 2 : 3);
    const count = user === 'small' ? 5000 : 1000;
    for (let n = 1; n <= count; n++) add(textMessage(n, 3600 + Math.floor(rand() * 1000), pool, rand));
  } else if (user === 'mixed') {
    const pool = linePool(4, 4096, 0.1);
    const rand = prng(5);
    mixedSizes(500, 8, rand).forEach((size, i) => {
      // A third of the mail carries a base64 attachment; the rest is text.
      add(rand() < 0.33 ? attachmentMessage(i + 1, size, rand) : textMessage(i + 1, size, pool, rand));
    });
  } else if (user === 'big' || user === 'huge') {
    // Written straight into the Maildir (tmp/, then new/) so 1 GiB costs no memory here.
    const size = user === 'big' ? 100 * MiB : 1024 * MiB;
    const maildir = dovecot.maildir(user);
    const { uid, gid } = fs.statSync(maildir);
    const name = `${Math.floor(Date.now() / 1000)}.M000001P${process.pid}.bench`;
    const tmp = join(maildir, 'tmp', name);
    const written = writeLargeMessage(tmp, 1, size, linePool(6, 4096, 0.1));
    fs.chownSync(tmp, uid, gid);
    fs.renameSync(tmp, join(maildir, 'new', name));
    sizes.push(written.size);
    dots.push(written.dots);
  } else {
    throw new Error(`no such mailbox ${user}`);
  }
  return { sizes, dots };
}

/** LIST through pop3kit (which also warms Dovecot's index); must match what was seeded. */
export async function listSizes(dovecot, user, seeded) {
  const { Pop3Client } = await import(distIndex);
  const client = await Pop3Client.connect({
    host: '127.0.0.1',
    port: dovecot.port,
    starttls: 'never',
    auth: { user, pass: passwordOf(user), mechanism: 'USER' },
  });
  const listed = (await client.list()).map((m) => m.size);
  await client.quit();
  if (listed.length !== seeded.sizes.length || listed.some((size, i) => size !== seeded.sizes[i])) {
    throw new Error(`LIST of ${user} does not match the seeded mail`);
  }
  return listed;
}
