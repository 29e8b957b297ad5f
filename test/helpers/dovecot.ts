// A private Dovecot for interop tests: own config, passwd-file, Maildirs, log and sockets in a
// fresh temp dir, listening on free 127.0.0.1 ports, so test files running at once never meet.
// Nothing from /etc/dovecot is read.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import * as tls from 'node:tls';
import { type CertPair, getTestCerts, opensslAvailable } from './certs.js';

export interface DovecotUser {
  readonly user: string;
  readonly pass: string;
  /** OAuth2 bearer token accepted by AUTH XOAUTH2 and OAUTHBEARER (and by nothing else). */
  readonly token?: string;
}

export interface DovecotOptions {
  /** Default DEFAULT_USERS. No ':' or line breaks (passwd-file). */
  readonly users?: readonly DovecotUser[];
  /** dovecot.conf lines appended last; a setting given again wins, e.g. 'auth_mechanisms = plain'. */
  readonly extraConfig?: string;
  /** Served certificate: test CA for localhost/127.0.0.1/::1 (default), for wrong.example, or self-signed. */
  readonly cert?: 'valid' | 'wrongHost' | 'untrusted';
  /** auth_debug, mail_debug and verbose_ssl into the log. Also POP3KIT_DOVECOT_DEBUG=1. */
  readonly debug?: boolean;
  /** Keep the temp dir after stop(). Also POP3KIT_KEEP_DOVECOT=1. */
  readonly keep?: boolean;
  /** Milliseconds to wait for both listeners to greet (default 20000). */
  readonly startTimeout?: number;
}

export interface StoredMessage {
  readonly path: string;
  /** File name without its ':2,FLAGS' part: the UIDL, as pop3_uidl_format = %f. */
  readonly uid: string;
  readonly bytes: Buffer;
}

export interface DovecotInstance {
  readonly host: '127.0.0.1';
  /** Plain POP3 offering STLS (the port 110 role). */
  readonly port: number;
  /** Implicit TLS POP3 (the port 995 role). */
  readonly securePort: number;
  /** The test CA, which signed the served certificate unless `cert: 'untrusted'`. */
  readonly caPem: string;
  readonly users: readonly DovecotUser[];
  readonly dir: string;
  maildir(user: string): string;
  /** Delivers bytes as they are (use CRLF for RFC sizes) to the user's new/; returns the path. */
  addMessage(user: string, bytes: Buffer | string, opts?: { uid?: string }): string;
  /** The user's messages in new/ and cur/, in Dovecot's POP3 order. */
  messages(user: string): StoredMessage[];
  /** The Dovecot log; still readable after stop(). */
  logText(): string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export const DEFAULT_USERS: readonly DovecotUser[] = [
  { user: 'alice', pass: 'alice-pass', token: 'alice-oauth2-token' },
  { user: 'bob', pass: 'bob-pass', token: 'bob-oauth2-token' },
];

/** The dovecot binary, from PATH or the sbin dirs a non-root PATH lacks. */
export function findDovecot(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  return dirs.map((dir) => join(dir, 'dovecot')).find((path) => fs.existsSync(path));
}

/** A reason for node:test's `{ skip }` when the harness can't run here, else false. */
export function dovecotSkipReason(): string | false {
  if (findDovecot() === undefined) return 'dovecot not installed (apt-get install dovecot-pop3d)';
  const libexec = ['/usr/lib/dovecot', '/usr/libexec/dovecot'].find((dir) => fs.existsSync(dir));
  if (libexec && !fs.existsSync(join(libexec, 'pop3'))) {
    return 'dovecot has no POP3 server (apt-get install dovecot-pop3d)';
  }
  return opensslAvailable() ? false : 'openssl not installed (apt-get install openssl)';
}

/** Starts a private Dovecot; resolves to undefined when it is not installed (see dovecotSkipReason). */
export async function startDovecot(options: DovecotOptions = {}): Promise<DovecotInstance | undefined> {
  if (dovecotSkipReason() !== false) return undefined;
  // A port found free can be taken by another process before Dovecot binds it: retry then.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (attempt >= 3 || !(err instanceof PortInUseError)) throw err;
    }
  }
}

class PortInUseError extends Error {}

async function startOnce(options: DovecotOptions): Promise<DovecotInstance> {
  const users = options.users ?? DEFAULT_USERS;
  for (const value of users.flatMap((u) => [u.user, u.pass, u.token ?? ''])) {
    if (/[:\r\n\0]/.test(value)) throw new TypeError(`passwd-file can't hold ${JSON.stringify(value)}`);
  }
  const certs = getTestCerts();
  const served = options.cert && options.cert !== 'valid' ? certs[options.cert] : certs;
  const owner = mailOwner();
  const [port = 0, securePort = 0] = await freePorts(2);
  const dir = fs.mkdtempSync(join(tmpdir(), 'pop3kit-dovecot-'));
  fs.chmodSync(dir, 0o755); // mail processes (never root) and auth must reach files in here
  const maildir = (user: string) => join(dir, 'home', user, 'Maildir');
  const maildirs = users.flatMap((u) => ['cur', 'new', 'tmp'].map((sub) => join(maildir(u.user), sub)));
  for (const path of [join(dir, 'base'), join(dir, 'state'), ...maildirs]) {
    fs.mkdirSync(path, { recursive: true });
  }
  if (owner.chown) execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, join(dir, 'home')]);
  const passwd = (secret: 'pass' | 'token') =>
    users.flatMap((u) => (u[secret] ? [`${u.user}:{PLAIN}${u[secret]}\n`] : [])).join('');
  fs.writeFileSync(join(dir, 'users'), passwd('pass'));
  fs.writeFileSync(join(dir, 'tokens'), passwd('token'));
  const logFile = join(dir, 'dovecot.log');
  const conf = renderConfig({ ...options, dir, port, securePort, owner, served });
  fs.writeFileSync(join(dir, 'dovecot.conf'), conf);

  const child = spawnDovecot(findDovecot() as string, join(dir, 'dovecot.conf'));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let hasExited = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    hasExited = true;
  });
  let finalLog: string | undefined;
  const logText = () => finalLog ?? (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const keep = options.keep ?? process.env.POP3KIT_KEEP_DOVECOT === '1';
  // For a test file that never calls stop(). (Killed outright, the stdin watcher still acts.)
  const onExit = () => {
    child.kill('SIGTERM');
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      process.removeListener('exit', onExit);
      child.ref(); // keep this process alive until Dovecot has gone
      child.stdin?.end();
      child.kill('SIGTERM');
      // Dovecot waits up to a second for its services to go; SIGKILL only if it really hangs.
      const hung = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(hung);
      finalLog = logText();
      if (!keep) fs.rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    const targets = [{ port }, { port: securePort, ca: [certs.caPem, certs.untrusted.certPem] }];
    await waitForGreetings(targets, () => hasExited, options.startTimeout ?? 20_000);
  } catch (err) {
    await stop();
    const detail = `${stderr}${finalLog ?? ''}`;
    if (/Address already in use/.test(detail)) throw new PortInUseError(detail);
    throw new Error(`Dovecot did not start: ${(err as Error).message}\n--- stderr and log ---\n${detail}`);
  }

  let counter = 0;
  const startSecs = Math.floor(Date.now() / 1000);
  return {
    host: '127.0.0.1',
    port,
    securePort,
    caPem: certs.caPem,
    users,
    dir,
    maildir,
    logText,
    stop,
    [Symbol.asyncDispose]: stop,
    addMessage(user, bytes, opts = {}) {
      // Dovecot numbers new files in name order; one second and a padded counter keep add order.
      const uid = opts.uid ?? `${startSecs}.M${String(++counter).padStart(6, '0')}P${process.pid}.pop3kit`;
      // Maildir delivery: write in tmp/, then rename, so Dovecot never sees half a message.
      const tmp = join(maildir(user), 'tmp', uid);
      fs.writeFileSync(tmp, bytes);
      if (owner.chown) fs.chownSync(tmp, owner.uid, owner.gid);
      const path = join(maildir(user), 'new', uid);
      fs.renameSync(tmp, path);
      return path;
    },
    messages(user) {
      // POP3 order is the UID order in dovecot-uidlist ("UID [ext] :name" lines); files Dovecot
      // has not seen yet come last, by name.
      const uidlist = join(maildir(user), 'dovecot-uidlist');
      const lines = fs.existsSync(uidlist) ? fs.readFileSync(uidlist, 'utf8').split('\n').slice(1) : [];
      const order = new Map(lines.map((l) => [l.slice(l.indexOf(' :') + 2), Number.parseInt(l, 10)]));
      const rank = (uid: string) => order.get(uid) ?? Number.MAX_SAFE_INTEGER;
      const found = ['new', 'cur'].flatMap((sub) =>
        fs.readdirSync(join(maildir(user), sub)).map((name) => {
          const path = join(maildir(user), sub, name);
          return { path, uid: name.split(':')[0] as string, bytes: fs.readFileSync(path) };
        }),
      );
      return found.sort((x, y) => rank(x.uid) - rank(y.uid) || (x.uid < y.uid ? -1 : x.uid > y.uid ? 1 : 0));
    },
  };
}

interface MailOwner {
  readonly uid: number;
  readonly gid: number;
  readonly chown: boolean;
  /** For default_login_user and default_internal_user; unset keeps Debian's dovenull/dovecot. */
  readonly serviceUser?: { user: string; group: string };
}

/**
 * Dovecot never runs mail processes as root, so as root the mail belongs to `nobody`. As any
 * other user everything runs as that user (Dovecot's rootless mode, without chroots).
 */
function mailOwner(): MailOwner {
  const me = userInfo();
  const id = (...args: string[]) => execFileSync('id', args, { encoding: 'utf8' }).trim();
  if (me.uid === 0) return { uid: Number(id('-u', 'nobody')), gid: Number(id('-g', 'nobody')), chown: true };
  return { uid: me.uid, gid: me.gid, chown: false, serviceUser: { user: me.username, group: id('-gn') } };
}

interface ConfigInput extends DovecotOptions {
  readonly dir: string;
  readonly port: number;
  readonly securePort: number;
  readonly owner: MailOwner;
  readonly served: CertPair;
}

function renderConfig(c: ConfigInput): string {
  const passwordMechs = 'plain login cram-md5 scram-sha-1 scram-sha-256 apop';
  const oauth = (c.users ?? DEFAULT_USERS).some((u) => u.token);
  const debug = c.debug ?? process.env.POP3KIT_DOVECOT_DEBUG === '1';
  const rootless = c.owner.serviceUser;
  return `protocols = pop3
listen = 127.0.0.1
instance_name = pop3kit-${c.port}
base_dir = ${c.dir}/base
state_dir = ${c.dir}/state
log_path = ${c.dir}/dovecot.log
auth_verbose = yes
${debug ? 'auth_debug = yes\nmail_debug = yes\nverbose_ssl = yes' : ''}
ssl = yes
ssl_cert = <${c.served.certFile}
ssl_key = <${c.served.keyFile}
# APOP, CRAM-MD5 and SCRAM need the password itself, hence {PLAIN} in the passwd-files.
auth_mechanisms = ${passwordMechs}${oauth ? ' oauthbearer xoauth2' : ''}
disable_plaintext_auth = no
# Failed logins answer at once: no 2 s auth_failure_delay, no growing anvil penalty per IP.
auth_failure_delay = 0
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
  ${rootless ? 'chroot =' : ''}
}
mail_location = maildir:~/Maildir
pop3_uidl_format = %f
# The default 500 would refuse a non-root runner with a low (system account) uid.
first_valid_uid = 1
first_valid_gid = 1
# Dovecot 2.3's OAuth2 mechanisms verify the token as a password against the passdbs allowed
# for them, so a passwd-file of tokens restricted to them accepts static test tokens offline.
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${c.dir}/users
  mechanisms = ${passwordMechs}
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${c.dir}/tokens
  mechanisms = oauthbearer xoauth2
}
userdb {
  driver = static
  args = uid=${c.owner.uid} gid=${c.owner.gid} home=${c.dir}/home/%u
}
service pop3-login {
  inet_listener pop3 {
    port = ${c.port}
  }
  inet_listener pop3s {
    port = ${c.securePort}
    ssl = yes
  }
  ${rootless ? 'chroot =' : ''}
}
${rootless ? `default_login_user = ${rootless.user}\ndefault_internal_user = ${rootless.user}` : ''}
${rootless ? `default_internal_group = ${rootless.group}` : ''}
${c.extraConfig ?? ''}
`;
}

/**
 * Runs `dovecot -F` under a tiny sh that leaves a watcher on our stdin pipe and then execs into
 * Dovecot, so our child's pid is Dovecot's master. The watcher sends SIGTERM when the pipe
 * closes: on stop(), and when this process dies, even by SIGKILL.
 */
function spawnDovecot(bin: string, conf: string): ChildProcess {
  // Forked twice so that init, not Dovecot, reaps the watcher (Dovecot logs an error for
  // children it doesn't know); the pipe goes as fd 3 since sh gives background jobs /dev/null.
  const script = [
    'exec 3<&0',
    '( (cat >/dev/null; kill -TERM $$) <&3 >/dev/null 2>&1 & )',
    'exec 3<&-',
    'exec "$0" -F -c "$1"',
  ].join('\n');
  const child = spawn('sh', ['-c', script, bin, conf], { stdio: ['pipe', 'ignore', 'pipe'] });
  // A forgotten stop() must not keep the test process alive; the exit hook still runs.
  child.unref();
  for (const stream of [child.stdin, child.stderr]) (stream as net.Socket | null)?.unref();
  return child;
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => {
      const server = net.createServer();
      return new Promise<net.Server>((resolve, reject) => {
        server.once('error', reject).listen(0, '127.0.0.1', () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Polls each port until it greets with +OK, over TLS when `ca` is given. */
async function waitForGreetings(
  targets: Array<{ port: number; ca?: string[] }>,
  hasExited: () => boolean,
  timeout: number,
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (const { port, ca } of targets) {
    for (let lastError = ''; ; await new Promise((resolve) => setTimeout(resolve, 25))) {
      if (hasExited()) throw new Error('dovecot exited');
      if (Date.now() > deadline)
        throw new Error(`no greeting on ${port} within ${timeout} ms (${lastError})`);
      const line = await readGreeting(port, ca).catch((err: Error) => err.message);
      if (line.startsWith('+OK')) break;
      lastError = line;
    }
  }
}

function readGreeting(port: number, ca?: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // No name check, so this works whichever `cert` Dovecot serves.
    const socket = ca
      ? tls.connect({ host: '127.0.0.1', port, ca, checkServerIdentity: () => undefined })
      : net.connect({ host: '127.0.0.1', port });
    let data = '';
    socket.setTimeout(2000, () => socket.destroy(new Error('greeting timeout')));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.includes('\r\n')) {
        socket.end('QUIT\r\n');
        resolve(data.slice(0, data.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
    socket.once('close', () => reject(new Error('closed before greeting')));
  });
}
