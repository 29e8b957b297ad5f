/** Where things go by default: a per-user Maildir and a per-account state file (XDG). */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** `~` and `~/x` mean the home directory; relative paths are taken from `base`. */
export function expandPath(path: string, base: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return isAbsolute(path) ? path : resolve(base, path);
}

/** `~/Maildir`, where mutt, Dovecot and Courier look first. */
export function defaultMaildir(home: string = homedir()): string {
  return join(home, 'Maildir');
}

/** `$XDG_STATE_HOME/pop3kit` (an absolute one only, per the XDG spec), else `~/.local/state/pop3kit`. */
export function stateDirectory(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  const xdg = env.XDG_STATE_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.local', 'state'), 'pop3kit');
}

/** `$XDG_DATA_HOME/pop3kit` (an absolute one only), else `~/.local/share/pop3kit`. */
export function dataDirectory(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  const xdg = env.XDG_DATA_HOME;
  return join(xdg !== undefined && isAbsolute(xdg) ? xdg : join(home, '.local', 'share'), 'pop3kit');
}

/** The default archive of `--to archive:` and `pop3kit search`: `<data dir>/archive.sqlite`. */
export function defaultArchivePath(env: NodeJS.ProcessEnv, home: string = homedir()): string {
  return join(dataDirectory(env, home), 'archive.sqlite');
}

/**
 * The state file of an account: `<state dir>/<name>.sqlite`, the name made safe for a file
 * name. The default name (`user@host`) leaves out the port on purpose: moving from STLS on
 * 110 to TLS on 995 must not make every message look new.
 */
export function defaultStatePath(name: string, env: NodeJS.ProcessEnv, home: string = homedir()): string {
  const safe = name.replace(/[^A-Za-z0-9@._+-]/g, '_').replace(/^\.+/, '_');
  return join(stateDirectory(env, home), `${safe}.sqlite`);
}
