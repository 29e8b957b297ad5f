// A private PostgreSQL for one test file: initdb in a fresh temp dir, its own free port on
// 127.0.0.1, the unix socket in the temp dir, fsync off, stopped by stop() and at process exit
// (by the postmaster's own pid). Nothing in /etc/postgresql or the system cluster is touched.
//
// initdb and postgres refuse to run as root: as root (CI) they run as the `postgres` user (or
// `nobody`) through spawn's uid/gid, which needs no runuser/su; as anyone else they run as is.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const SUPERUSER = 'pop3kit';

/** Where initdb and postgres live: POP3KIT_PG_BIN, the newest /usr/lib/postgresql/N/bin, or PATH. */
function findBinDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.POP3KIT_PG_BIN) candidates.push(process.env.POP3KIT_PG_BIN);
  try {
    const versions = fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(`/usr/lib/postgresql/${v}/bin`);
  } catch {
    // not a Debian layout
  }
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.push(dir);
  return candidates.find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((b) => isExecutable(join(dir, b))));
}

function isExecutable(path: string): boolean {
  try {
    fs.accessSync(path, fs.constants.X_OK);
    return fs.statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A reason for node:test's `{ skip }` when PostgreSQL is not installed here, else false. */
export function postgresSkipReason(): string | false {
  return findBinDir() ? false : 'postgresql not installed (apt-get install postgresql)';
}

interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** As root, the unprivileged user the server runs as; otherwise undefined (run as is). */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
      if (Number.isInteger(uid) && Number.isInteger(gid) && uid !== 0) return { uid, gid };
    } catch {
      // no such user
    }
  }
  throw new Error('running as root and found neither a postgres nor a nobody user to run PostgreSQL as');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

function run(file: string, args: readonly string[], as: RunAs | undefined, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANG: 'C', PGTZ: 'UTC' },
      ...(as ? { uid: as.uid, gid: as.gid } : {}),
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${file} ${args.join(' ')} failed (${code ?? signal}):\n${output}`));
    });
  });
}

export interface PrivatePostgres {
  readonly port: number;
  readonly dir: string;
  /** The postmaster's pid. */
  readonly pid: number;
  /** A connection URL for `database` (created by createDatabase or 'postgres'). */
  url(database?: string): string;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  /** Keep the temp dir after stop(). Also POP3KIT_KEEP_POSTGRES=1. */
  readonly keep?: boolean;
  /** Milliseconds to wait for the server to accept connections (default 30000). */
  readonly startTimeout?: number;
}

/** Starts a private PostgreSQL; resolves to undefined when it is not installed (see postgresSkipReason). */
export async function startPostgres(options: PostgresOptions = {}): Promise<PrivatePostgres | undefined> {
  const bin = findBinDir();
  if (!bin) return undefined;
  const as = runAs();
  const dir = fs.mkdtempSync(join(tmpdir(), 'pop3kit-pg-'));
  const data = join(dir, 'data');
  const keep = options.keep ?? process.env.POP3KIT_KEEP_POSTGRES === '1';
  const cleanup = () => {
    if (!keep) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    fs.chmodSync(dir, 0o700);
    if (as) fs.chownSync(dir, as.uid, as.gid);
    await run(
      join(bin, 'initdb'),
      ['-D', data, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      as,
      dir,
    );
  } catch (error) {
    cleanup();
    throw error;
  }

  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const log = join(dir, 'postgres.log');
    const serverOptions = [
      `-p ${port}`,
      "-c listen_addresses='127.0.0.1'",
      `-c unix_socket_directories='${dir}'`,
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=50',
      '-c shared_buffers=32MB',
    ].join(' ');
    try {
      await run(
        join(bin, 'pg_ctl'),
        [
          '-D',
          data,
          '-l',
          log,
          '-o',
          serverOptions,
          '-w',
          '-t',
          String(Math.ceil((options.startTimeout ?? 30_000) / 1000)),
          'start',
        ],
        as,
        dir,
      );
    } catch (error) {
      lastError = new Error(`${(error as Error).message}\n${readLog(log)}`);
      continue; // most likely the port was taken between freePort() and the bind
    }
    const pid = Number(fs.readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    let stopped = false;
    const onExit = () => {
      if (stopped) return;
      stopped = true;
      try {
        process.kill(pid, 'SIGQUIT'); // immediate shutdown: the process is going away
      } catch {
        // already gone
      }
      try {
        cleanup(); // best effort: the postmaster may still be exiting
      } catch {
        // left in the temp dir
      }
    };
    process.once('exit', onExit);
    const url = (database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
    return {
      port,
      dir,
      pid,
      url,
      async createDatabase(name: string) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name '${name}'`);
        const client = new pg.Client({ connectionString: url('postgres') });
        await client.connect();
        try {
          await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
        } finally {
          await client.end();
        }
        return url(name);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        process.removeListener('exit', onExit);
        try {
          process.kill(pid, 'SIGINT'); // fast shutdown
        } catch {
          cleanup();
          return;
        }
        const deadline = Date.now() + 15_000;
        while (isAlive(pid)) {
          if (Date.now() > deadline) {
            process.kill(pid, 'SIGQUIT');
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        cleanup();
      },
    };
  }
  cleanup();
  throw lastError;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readLog(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
