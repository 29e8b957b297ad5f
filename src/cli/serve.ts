/** `pop3kit serve`: the POP3 server over a directory of Maildirs, logging each session. */

import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadUsersFile, MaildirStore, Pop3Server, type SessionInfo } from '../server/index.js';

interface ServeOptions {
  readonly maildir: string;
  readonly users: string;
  readonly host: string;
  readonly port?: number;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly implicitTls?: boolean;
  readonly allowInsecureAuth?: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^[0-9]{1,5}$/.test(value) || port > 65535) throw new InvalidArgumentError('not a port number');
  return port;
}

function log(info: SessionInfo, text: string): void {
  const who = info.user === undefined ? '' : ` user=${info.user}`;
  process.stdout.write(`${new Date().toISOString()} session=${info.id}${who} ${text}\n`);
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description("serve Maildirs over POP3 (each user's Maildir is DIR/USER with cur, new and tmp)")
    .requiredOption('--maildir <dir>', 'directory holding one Maildir per user')
    .requiredOption(
      '--users <file>',
      'users file: "user:password" lines; Dovecot "user:{PLAIN}password:..." too',
    )
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (default 110, or 995 with --implicit-tls)', parsePort)
    .option('--tls-cert <file>', 'PEM certificate chain: enables STLS')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--implicit-tls', 'POP3S: TLS from the first byte instead of STLS')
    .option('--allow-insecure-auth', 'accept passwords without TLS from any address, not only loopback')
    .action(async (options: ServeOptions, command: Command) => {
      if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
        command.error('error: --tls-cert and --tls-key go together');
      }
      if (options.implicitTls && options.tlsCert === undefined) {
        command.error('error: --implicit-tls needs --tls-cert and --tls-key');
      }
      let server: Pop3Server;
      try {
        const users = await loadUsersFile(options.users);
        const tls =
          options.tlsCert === undefined
            ? undefined
            : { cert: await readFile(options.tlsCert), key: await readFile(options.tlsKey!) };
        server = new Pop3Server({
          store: new MaildirStore(options.maildir),
          users,
          tls,
          secure: options.implicitTls === true,
          allowInsecureAuth: options.allowInsecureAuth ? true : 'loopback',
        });
      } catch (err) {
        return command.error(`error: ${(err as Error).message}`);
      }
      server.on('connect', (info) => log(info, `connect from=${info.remoteAddress}:${info.remotePort}`));
      server.on('login', (info) => log(info, `login tls=${info.secure ? 'yes' : 'no'}`));
      server.on('loginFailed', (info, user) =>
        log(info, `login-failed${user === undefined ? '' : ` as=${user}`}`),
      );
      server.on('sessionError', (info, err) => log(info, `error ${err.message}`));
      server.on('sessionEnd', (info, s) =>
        log(
          info,
          `end reason=${s.reason} retrieved=${s.retrieved} deleted=${s.deleted} bytes=${s.bytesSent} ms=${s.durationMs}`,
        ),
      );
      const port = options.port ?? (options.implicitTls ? 995 : 110);
      try {
        const address = await server.listen({ host: options.host, port });
        const mode = options.implicitTls ? 'implicit TLS' : options.tlsCert ? 'STLS available' : 'no TLS';
        process.stdout.write(`pop3kit serve: listening on ${address.address}:${address.port} (${mode})\n`);
      } catch (err) {
        return command.error(`error: cannot listen on ${options.host}:${port}: ${(err as Error).message}`);
      }
      const stop = (): void => {
        process.stdout.write('pop3kit serve: shutting down\n');
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
