// The outside clients of the bench: mpop (C, pipelining) and Python's poplib, found on PATH.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';

function version(command, args, pattern) {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return pattern.exec(`${result.stdout}${result.stderr}`)?.[1] ?? 'unknown';
}

export const mpopVersion = version('mpop', ['--version'], /mpop version (\S+)/);
export const pythonVersion = version('python3', ['--version'], /Python (\S+)/);
export const dovecotVersion =
  version('dovecot', ['--version'], /^(\S+)/) ?? version('/usr/sbin/dovecot', ['--version'], /^(\S+)/);

/**
 * Writes an mpop configuration for one account (mpop wants it private: mode 0600) that
 * retrieves every message, keeps them on the server, and delivers to `maildir` unchanged
 * (no Received header). TLS is implicit when `secure`, and trusts only the bench's CA.
 */
export function writeMpopConfig(dir, { port, secure, caFile, user, pass, maildir }) {
  const path = join(dir, `mpoprc-${user}-${port}-${secure ? 'tls' : 'plain'}`);
  const lines = [
    'defaults',
    'account bench',
    'host 127.0.0.1',
    `port ${port}`,
    `user ${user}`,
    `password ${pass}`,
    'auth user',
    secure ? 'tls on' : 'tls off',
    ...(secure ? ['tls_starttls off', `tls_trust_file ${caFile}`] : []),
    `delivery maildir ${maildir}`,
    'keep on',
    'only_new off',
    `uidls_file ${join(dir, `uidls-${user}-${port}`)}`,
    'received_header off',
    'pipelining auto',
    'timeout 300',
  ];
  fs.writeFileSync(path, `${lines.join('\n')}\n`, { mode: 0o600 });
  return path;
}

/** Empties an mpop Maildir (cur, new, tmp) between runs. */
export function resetMaildir(maildir) {
  for (const sub of ['cur', 'new', 'tmp']) {
    fs.rmSync(join(maildir, sub), { recursive: true, force: true });
    fs.mkdirSync(join(maildir, sub), { recursive: true });
  }
}

/**
 * What mpop delivered: the RFC size of each message. mpop stores mail with LF line ends, so a
 * message's size on the wire (CRLF) is its file size plus its number of LFs.
 */
export function maildirSizes(maildir) {
  const sizes = [];
  for (const sub of ['new', 'cur']) {
    for (const name of fs.readdirSync(join(maildir, sub))) {
      const bytes = fs.readFileSync(join(maildir, sub, name));
      let lfs = 0;
      for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lfs++;
      sizes.push(bytes.length + lfs);
    }
  }
  return sizes;
}
