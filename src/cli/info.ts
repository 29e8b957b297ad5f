/**
 * `pop3kit info`: what a POP3 server offers, like mpop's --serverinfo: greeting, TLS and its
 * certificate, capabilities in words (before and after STLS and login) and login mechanisms.
 * It parses flags and prints; info/gather.ts talks to the server.
 */
import type { Command } from 'commander';
import { addConnectionFlags } from './connection-flags.js';
import { ExitCode } from './fetch/exit-codes.js';
import { UsageError } from './fetch/values.js';
import { formatReport } from './info/format.js';
import { gatherInfo, type InfoFlags } from './info/gather.js';
import type { ErrorKind, InfoReport } from './info/report.js';

const EXIT: Record<ErrorKind, number> = {
  auth: ExitCode.auth,
  network: ExitCode.network,
  tls: ExitCode.network,
};

export function registerInfo(program: Command): void {
  const command = program
    .command('info')
    .description("show a POP3 server's greeting, TLS certificate, capabilities and login mechanisms");
  addConnectionFlags(command, {
    hostRequired: true,
    userHelp: 'also log in, to show the capabilities after login',
  })
    .optionsGroup('Output:')
    .option('--json', 'print the report as one JSON object')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 2 usage error, 3 login failed, 4 network or TLS failure\n' +
        '(the report shows what was learnt before the failure).',
    )
    .showHelpAfterError('(run pop3kit info --help for usage)')
    .exitOverride((error) => process.exit(error.exitCode === 1 ? ExitCode.usage : error.exitCode))
    .action(async (flags: InfoFlags) => {
      const warn = (message: string) => process.stderr.write(`pop3kit info: warning: ${message}\n`);
      let report: InfoReport;
      try {
        report = await gatherInfo(flags, warn);
      } catch (error) {
        if (!(error instanceof UsageError) && (error as Error).name !== 'PromptInterrupted') throw error;
        process.stderr.write(`pop3kit info: error: ${(error as Error).message}\n`);
        process.exit(error instanceof UsageError ? ExitCode.usage : ExitCode.interrupted);
      }
      const code = report.error ? EXIT[report.error.kind] : ExitCode.ok;
      if (flags.json) process.stdout.write(`${JSON.stringify({ ...report, exitCode: code })}\n`);
      else process.stdout.write(formatReport(report));
      if (report.error)
        process.stderr.write(`pop3kit info: ${report.error.kind} failure: ${report.error.message}\n`);
      process.stdout.write('', () => process.exit(code));
    });
}
