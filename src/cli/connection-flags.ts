/**
 * The flags that say where a POP3 server is and how to log in to it, shared by `pop3kit fetch`
 * and `pop3kit info` so that both take the same names and values and say the same about mistakes.
 */
import { type Command, Option } from 'commander';
import type { StartTlsMode } from '../index.js';
import { flag, pathFlag } from './fetch/flags.js';
import {
  parseEnvName,
  parseHost,
  parseMechanism,
  parseNonEmpty,
  parsePort,
  parseSeconds,
  parseStartTls,
} from './fetch/values.js';

/** What the connection flags parse into (and the same keys in a `--config` file's accounts). */
export interface ConnectionSettings {
  readonly host?: string;
  readonly port?: number;
  readonly secure?: boolean;
  readonly starttls?: StartTlsMode;
  /** A PEM file of CA certificates to trust (absolute path). */
  readonly ca?: string;
  readonly user?: string;
  readonly password?: string;
  readonly passwordEnv?: string;
  readonly passwordCommand?: string;
  readonly tokenCommand?: string;
  readonly mechanism?: string;
  readonly allowInsecureAuth?: boolean;
  /** Milliseconds. */
  readonly timeout?: number;
}

/** Where the commands' connection flags differ. */
export interface ConnectionFlagsUse {
  /** `info` needs --host; `fetch` can take its hosts from `--config` instead. */
  readonly hostRequired: boolean;
  /** What --user is for in this command. */
  readonly userHelp: string;
}

/** Adds the connection and login flags to `command`, under "Account:" and "Security:" in its help. */
export function addConnectionFlags(command: Command, use: ConnectionFlagsUse): Command {
  const host = new Option('--host <host>', 'POP3 server')
    .argParser(flag(parseHost))
    .makeOptionMandatory(use.hostRequired);
  const user = new Option('--user <user>', use.userHelp).argParser(flag((v) => parseNonEmpty(v, '--user')));
  return command
    .optionsGroup('Account:')
    .addOption(host)
    .option('--port <port>', 'port (default 110, or 995 with --secure)', flag(parsePort))
    .addOption(user)
    .option('--password-env <name>', 'read the password from this environment variable', flag(parseEnvName))
    .option(
      '--password-command <cmd>',
      'run CMD with /bin/sh; its output is the password',
      flag((v) => parseNonEmpty(v, 'the command')),
    )
    .option('--password <password>', 'the password itself (visible to other users: prefer the above)')
    .option(
      '--token-command <cmd>',
      'OAuth2: run CMD for an access token',
      flag((v) => parseNonEmpty(v, 'the command')),
    )
    .option(
      '--mechanism <name>',
      'login mechanism: USER, APOP, PLAIN, SCRAM-SHA-256, XOAUTH2, ... (default: the strongest offered)',
      flag(parseMechanism),
    )
    .optionsGroup('Security:')
    .option('--secure', 'TLS from the first byte (POP3S, port 995)')
    .addOption(
      new Option(
        '--starttls <mode>',
        'STLS on a plain connection: required (default; opportunistic for localhost), opportunistic, never',
      ).argParser(flag(parseStartTls)),
    )
    .option('--ca <file>', 'trust the CA certificates in this PEM file', pathFlag)
    .option('--allow-insecure-auth', 'allow a password over an unencrypted connection to another host')
    .option(
      '--timeout <seconds>',
      'give up after this long without progress (default 60; 0: never)',
      flag(parseSeconds),
    );
}
