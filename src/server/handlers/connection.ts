/** CAPA, STLS, UTF8, NOOP and QUIT: commands about the connection rather than the mail. */

import { capabilityLines } from '../capabilities.js';
import { usableMechanisms } from './sasl.js';
import type { CommandSpec } from './types.js';
import { AUTHORIZATION, BOTH, TRANSACTION } from './types.js';

export const CAPA: CommandSpec = {
  states: BOTH,
  args: [0, 0],
  run: (session) =>
    session.sendLines(
      '+OK Capability list follows',
      capabilityLines({
        state: session.state,
        stlsAvailable: session.stlsAvailable,
        plaintextAllowed: session.plaintextAllowed,
        userPass: session.host.credentials.userPass,
        mechanisms: usableMechanisms(session),
      }),
    ),
};

export const STLS: CommandSpec = {
  states: AUTHORIZATION,
  args: [0, 0],
  async run(session) {
    if (session.secure) return session.err('TLS is already active');
    if (!session.stlsAvailable) return session.err('STLS is not available');
    await session.ok('Begin TLS negotiation now.');
    await session.startTls();
  },
};

export const UTF8: CommandSpec = {
  // RFC 6856 §2: only before login.
  states: AUTHORIZATION,
  args: [0, 0],
  // Arguments are read as UTF-8 in any case and messages go out as stored, so the mode
  // changes nothing here; the command is accepted so RFC 6856 clients can go on.
  run: (session) => session.ok('UTF8 enabled'),
};

export const NOOP: CommandSpec = {
  states: TRANSACTION,
  args: [0, 0],
  run: (session) => session.ok(),
};

export const QUIT: CommandSpec = {
  states: BOTH,
  args: [0, 0],
  async run(session) {
    const maildrop = session.maildrop;
    if (session.state !== 'transaction' || maildrop === undefined) {
      await session.ok('Logging out.');
      return session.end('quit');
    }
    // RFC 1939 §6: only now, in the UPDATE state, are the marked messages removed.
    session.state = 'update';
    const doomed = maildrop.deletedIndexes();
    let failed = false;
    try {
      if (doomed.length > 0) await maildrop.mailbox.remove(doomed);
    } catch (err) {
      failed = true;
      session.host.sessionError(session.info, err as Error);
    }
    await session.releaseMailbox();
    const left = maildrop.mailbox.messages.length - (failed ? 0 : doomed.length);
    if (!failed) session.removed = doomed.length;
    if (failed) await session.err('[SYS/TEMP] Some deleted messages were not removed');
    else await session.ok(`Logging out. ${left} messages left`);
    session.end('quit');
  },
};
