/**
 * Exit codes of `pop3kit fetch` and `pop3kit info`, so scripts and cron can tell a wrong
 * password from a network outage from a full disk without parsing messages.
 */
import type { FetchFailureKind } from '../../fetch/types.js';

export const ExitCode = {
  ok: 0,
  /** Some messages failed; the others were delivered and the run went to the end. */
  partial: 1,
  /** Bad flags or config file: nothing was attempted. */
  usage: 2,
  auth: 3,
  /** Network, TLS or a server that did not speak POP3 properly. */
  network: 4,
  /** A message or the state could not be stored: disk full, not writable, the MDA failed. */
  delivery: 5,
  /** Try again later: the maildrop is in use or LOGIN-DELAY applies, or another run holds the account. */
  busy: 6,
  /** A bug in pop3kit: an error the retriever does not classify. */
  internal: 70,
  /** Stopped by SIGINT/SIGTERM (128 + SIGINT), after finishing the message in hand. */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export function exitCodeForFailure(kind: FetchFailureKind): ExitCodeValue {
  switch (kind) {
    case 'auth':
      return ExitCode.auth;
    case 'network':
    case 'tls':
    case 'protocol':
      return ExitCode.network;
    case 'delivery':
    case 'state':
      return ExitCode.delivery;
    case 'config':
      return ExitCode.usage;
    case 'busy':
      return ExitCode.busy;
    case 'aborted':
      return ExitCode.interrupted;
  }
}

/** With several accounts the most serious outcome decides: a setup problem first, then a
 * delivery failure (mail is piling up), auth, network, busy, and a partial run last. */
const SEVERITY: readonly number[] = [
  ExitCode.internal,
  ExitCode.interrupted,
  ExitCode.usage,
  ExitCode.delivery,
  ExitCode.auth,
  ExitCode.network,
  ExitCode.busy,
  ExitCode.partial,
  ExitCode.ok,
];

export function worstExitCode(codes: Iterable<number>): number {
  let worst: number = ExitCode.ok;
  for (const code of codes) if (SEVERITY.indexOf(code) < SEVERITY.indexOf(worst)) worst = code;
  return worst;
}

/** The table printed by `pop3kit fetch --help` (and pasted into the README). */
export const EXIT_CODE_HELP = `Exit codes:
  0    success: every account fetched, no message failed (also: nothing new)
  1    partial success: the run finished but some messages failed
  2    usage or configuration error: nothing was fetched
  3    authentication failed (wrong password, token refused, password command failed)
  4    network, TLS or protocol failure (refused, timed out, certificate, broken server)
  5    delivery failure: a message or the state could not be stored (disk full,
       Maildir/mbox/state not writable, MDA exited non-zero); it stays on the server
  6    busy, try again later: the mailbox is in use ([IN-USE]), a LOGIN-DELAY
       applies, or another pop3kit fetch is running for this account
  70   internal error (a bug in pop3kit: please report it)
  130  interrupted (Ctrl-C / SIGTERM) after the message in hand was finished
  With several accounts the most serious one wins: 2, then 5, 3, 4, 6, 1.`;
