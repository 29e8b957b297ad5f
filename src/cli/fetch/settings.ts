/**
 * One account's settings, the same whether they came from flags or from the config file,
 * and their checks and defaults: settings in, the retriever's AccountConfig out.
 */
import { readFile } from 'node:fs/promises';
import type tls from 'node:tls';
import type { AccountConfig, DeletePolicy, Destination, FilterRule } from '../../fetch/types.js';
import type { ConnectionSettings } from '../connection-flags.js';
import { defaultMaildir, defaultStatePath } from './paths.js';
import { choosePasswordSource, readSecret, runSecretCommand } from './secrets.js';
import { UsageError } from './values.js';

/** The connection settings, and what to fetch and where to put it. */
export interface AccountSettings extends ConnectionSettings {
  readonly name?: string;
  readonly to?: Destination;
  readonly keep?: boolean;
  readonly delete?: boolean;
  readonly deleteAfter?: number;
  readonly maxSize?: number;
  readonly maxSizeAction?: 'skip' | 'delete';
  readonly maxMessages?: number;
  readonly maxBytes?: number;
  /** The state file (absolute path). */
  readonly state?: string;
  readonly filterCommand?: string;
  readonly filters?: readonly FilterRule[];
}

export interface BuildContext {
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  /** A terminal to prompt on. */
  readonly interactive: boolean;
  /** How to name a setting in messages: `--delete` for flags, `delete` in a config file. */
  readonly label: (key: string) => string;
  /** Prefix for messages, e.g. `accounts.yaml: accounts[1]: `. */
  readonly where: string;
  /** Warned when a literal password is used (differs for flags and config files). */
  readonly literalPasswordWarning?: string;
}

/** A password that must be typed before the run starts (prompts do not mix with progress bars). */
export interface PendingPrompt {
  readonly account: string;
  answer?: string;
}

export interface PreparedAccount {
  readonly config: AccountConfig;
  readonly prompt: PendingPrompt | undefined;
  readonly warnings: readonly string[];
}

const OAUTH = new Set(['OAUTHBEARER', 'XOAUTH2']);

/** Leaves unset settings out, so that `{ ...defaults, ...config }` in the core keeps its defaults. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function given(...values: unknown[]): number {
  return values.filter((v) => v !== undefined && v !== false).length;
}

export async function readCa(path: string): Promise<tls.ConnectionOptions> {
  try {
    return { ca: await readFile(path, 'utf8') };
  } catch (error) {
    throw new UsageError(`cannot read the CA file ${path}: ${(error as Error).message}`);
  }
}

export interface Login {
  readonly user: string;
  readonly password?: () => Promise<string>;
  readonly accessToken?: () => Promise<string>;
  readonly prompt: PendingPrompt | undefined;
  readonly warnings: string[];
}

/** Checks the login settings and picks where the password or token comes from. */
export async function resolveLogin(
  s: ConnectionSettings,
  host: string,
  nameFor: (user: string) => string,
  context: BuildContext,
): Promise<Login> {
  const { label, where } = context;
  const fail = (message: string): never => {
    throw new UsageError(where + message);
  };
  if (given(s.password, s.passwordEnv, s.passwordCommand, s.tokenCommand) > 1) {
    const keys = ['password', 'password-env', 'password-command', 'token-command'].map(label);
    fail(`give only one of ${keys.join(', ')}`);
  }
  const mechanism = s.mechanism;
  if (s.tokenCommand !== undefined && mechanism !== undefined && !OAUTH.has(mechanism))
    fail(`${label('token-command')} needs an OAuth mechanism (OAUTHBEARER or XOAUTH2), not ${mechanism}`);
  if (mechanism !== undefined && OAUTH.has(mechanism) && s.tokenCommand === undefined)
    fail(`${label('mechanism')} ${mechanism} needs ${label('token-command')}`);

  const warnings: string[] = [];
  if (s.tokenCommand !== undefined) {
    if (s.user === undefined) fail(`${label('user')} is required`);
    const user = s.user!;
    const command = s.tokenCommand;
    const what = `the token command of ${nameFor(user)}`;
    return {
      user,
      accessToken: () => runSecretCommand(command, what, context.env),
      prompt: undefined,
      warnings,
    };
  }
  const chosen = await choosePasswordSource(s, host, s.user, context).catch((error: Error) =>
    fail(error.message),
  );
  if (chosen.user === undefined)
    fail(`${label('user')} is required (no ~/.netrc entry for ${host} names one)`);
  const user = chosen.user!;
  const name = nameFor(user);
  if (chosen.source === undefined) {
    if (mechanism === 'EXTERNAL') return { user, prompt: undefined, warnings };
    fail(
      `no password for ${name}: use ${label('password-env')} NAME or ${label('password-command')} CMD, ` +
        'add it to ~/.netrc, or run on a terminal to be asked',
    );
  }
  const source = chosen.source!;
  if (source.kind === 'literal' && context.literalPasswordWarning)
    warnings.push(context.literalPasswordWarning);
  const prompt: PendingPrompt | undefined = source.kind === 'prompt' ? { account: name } : undefined;
  const password = readSecret(source, `the password command of ${name}`, context.env, () => prompt?.answer);
  return { user, password, prompt, warnings };
}

function deletePolicy(s: AccountSettings, context: BuildContext): DeletePolicy {
  if (given(s.keep, s.delete, s.deleteAfter) > 1) {
    const keys = ['keep', 'delete', 'delete-after'].map(context.label);
    throw new UsageError(`${context.where}give only one of ${keys.join(', ')}`);
  }
  if (s.deleteAfter !== undefined) return { kind: 'after-days', days: s.deleteAfter };
  return s.delete ? { kind: 'after-delivery' } : { kind: 'keep' };
}

/** Settings -> AccountConfig, with every default filled in. @throws UsageError */
export async function buildAccount(s: AccountSettings, context: BuildContext): Promise<PreparedAccount> {
  const { label, where } = context;
  const fail = (message: string): never => {
    throw new UsageError(where + message);
  };
  if (s.host === undefined) fail(`${label('host')} is required`);
  const host = s.host!;
  if (s.secure && s.starttls !== undefined)
    fail(`${label('starttls')} is for plain connections; ${label('secure')} uses TLS from the first byte`);
  if (s.maxSizeAction !== undefined && s.maxSize === undefined)
    fail(`${label('max-size-action')} needs ${label('max-size')}`);
  const policy = deletePolicy(s, context);
  const nameFor = (user: string) => s.name ?? `${user}@${host}`;
  const login = await resolveLogin(s, host, nameFor, context);
  const name = nameFor(login.user);
  const config: AccountConfig = withoutUndefined({
    name,
    host,
    port: s.port,
    secure: s.secure,
    starttls: s.starttls,
    tls: s.ca === undefined ? undefined : await readCa(s.ca),
    user: login.user,
    password: login.password,
    accessToken: login.accessToken,
    mechanism: s.mechanism,
    allowInsecureAuth: s.allowInsecureAuth,
    timeout: s.timeout,
    destination: s.to ?? { kind: 'maildir', path: defaultMaildir(context.home) },
    deletePolicy: policy,
    maxMessageSize:
      s.maxSize === undefined ? undefined : { limit: s.maxSize, action: s.maxSizeAction ?? 'skip' },
    maxMessages: s.maxMessages,
    maxBytes: s.maxBytes,
    filters: s.filters,
    filterCommand: s.filterCommand,
    statePath: s.state ?? defaultStatePath(name, context.env, context.home),
  });
  return { config, prompt: login.prompt, warnings: login.warnings };
}
