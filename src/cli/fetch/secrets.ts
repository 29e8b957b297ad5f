/**
 * Where passwords and OAuth2 tokens come from: an environment variable, a command (a keyring:
 * `pass show mail`, `secret-tool lookup ...`), `~/.netrc`, a prompt, or, with a warning, the
 * command line. The source is chosen and checked up front (a missing variable is a usage
 * error); the secret itself is read when the account connects.
 */
import { spawn } from 'node:child_process';
import { lookupNetrc } from './netrc.js';
import { UsageError } from './values.js';

export type SecretSource =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'command'; readonly command: string }
  | { readonly kind: 'netrc'; readonly value: string }
  | { readonly kind: 'prompt' };

/** A password or token command failed; reported as an authentication failure (exit 3). */
export class SecretSourceError extends Error {
  override readonly name = 'SecretSourceError';
}

/**
 * Runs `command` with /bin/sh, its stdin and stderr the terminal's (so gpg or a keyring can
 * ask), and returns its stdout without one trailing newline.
 */
export function runSecretCommand(command: string, what: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['inherit', 'pipe', 'inherit'], env });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', (error) => reject(new SecretSourceError(`${what} could not run: ${error.message}`)));
    child.once('close', (code, signal) => {
      if (code !== 0) {
        const how = signal === null ? `exited with status ${code}` : `was killed by ${signal}`;
        return reject(new SecretSourceError(`${what} ${how}`));
      }
      const out = Buffer.concat(chunks)
        .toString('utf8')
        .replace(/\r?\n$/, '');
      if (out === '') return reject(new SecretSourceError(`${what} printed nothing`));
      resolve(out);
    });
  });
}

export interface SecretFlags {
  readonly password?: string;
  readonly passwordEnv?: string;
  readonly passwordCommand?: string;
}

export interface SecretContext {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  /** A terminal to prompt on (stdin and stderr are TTYs). */
  readonly interactive: boolean;
}

/**
 * Picks the password source for `user@host`: an explicit flag, else `~/.netrc`, else a prompt
 * on a terminal. Also returns the login netrc names when `user` was not given.
 * @throws UsageError when there is none, or the named variable is not set.
 */
export async function choosePasswordSource(
  flags: SecretFlags,
  host: string,
  user: string | undefined,
  context: SecretContext,
): Promise<{ source: SecretSource | undefined; user: string | undefined }> {
  if (flags.password !== undefined) return { source: { kind: 'literal', value: flags.password }, user };
  if (flags.passwordEnv !== undefined) {
    if (!context.env[flags.passwordEnv])
      throw new UsageError(`the environment variable ${flags.passwordEnv} (--password-env) is not set`);
    return { source: { kind: 'env', name: flags.passwordEnv }, user };
  }
  if (flags.passwordCommand !== undefined)
    return { source: { kind: 'command', command: flags.passwordCommand }, user };
  const entry = await lookupNetrc(host, user, context.home);
  const netrcUser = user ?? entry?.login;
  if (entry?.password !== undefined && netrcUser !== undefined)
    return { source: { kind: 'netrc', value: entry.password }, user: netrcUser };
  if (context.interactive) return { source: { kind: 'prompt' }, user: netrcUser };
  return { source: undefined, user: netrcUser };
}

/** The lazy reader for a source; a prompt must have been answered already (`prompted`). */
export function readSecret(
  source: SecretSource,
  what: string,
  env: NodeJS.ProcessEnv,
  prompted?: () => string | undefined,
): () => Promise<string> {
  switch (source.kind) {
    case 'literal':
    case 'netrc':
      return async () => source.value;
    case 'env':
      return async () => {
        const value = env[source.name];
        if (!value) throw new SecretSourceError(`the environment variable ${source.name} is not set`);
        return value;
      };
    case 'command':
      return () => runSecretCommand(source.command, what, env);
    case 'prompt':
      return async () => {
        const value = prompted?.();
        if (value === undefined) throw new SecretSourceError('no password was typed');
        return value;
      };
  }
}
