/** STAT, LIST, UIDL, DELE and RSET (RFC 1939 §5, §7): the maildrop listing and deletion marks. */

import type { Session } from '../session.js';
import type { CommandSpec } from './types.js';
import { hookMessage, TRANSACTION } from './types.js';

function maildropOf(session: Session) {
  // The TRANSACTION state guarantees a maildrop; the handlers map allows these verbs only there.
  return session.maildrop!;
}

export const STAT: CommandSpec = {
  states: TRANSACTION,
  args: [0, 0],
  run(session) {
    const { count, size } = maildropOf(session).stat();
    return session.ok(`${count} ${size}`);
  },
};

export const LIST: CommandSpec = {
  states: TRANSACTION,
  args: [0, 1],
  async run(session, { args }) {
    const maildrop = maildropOf(session);
    if (args[0] !== undefined) {
      const found = maildrop.lookup(args[0]);
      if (!found.ok) return session.err(found.reason);
      return session.ok(`${found.index + 1} ${found.info.size}`);
    }
    const { count, size } = maildrop.stat();
    const lines = (function* () {
      for (const { msg, info } of maildrop.live()) yield `${msg} ${info.size}`;
    })();
    return session.sendLines(`+OK ${count} messages (${size} octets)`, lines);
  },
};

export const UIDL: CommandSpec = {
  states: TRANSACTION,
  args: [0, 1],
  async run(session, { args }) {
    const maildrop = maildropOf(session);
    if (args[0] !== undefined) {
      const found = maildrop.lookup(args[0]);
      if (!found.ok) return session.err(found.reason);
      return session.ok(`${found.index + 1} ${found.info.uid}`);
    }
    const lines = (function* () {
      for (const { msg, info } of maildrop.live()) yield `${msg} ${info.uid}`;
    })();
    return session.sendLines('+OK', lines);
  },
};

export const DELE: CommandSpec = {
  states: TRANSACTION,
  args: [1, 1],
  async run(session, { args }) {
    const maildrop = maildropOf(session);
    const found = maildrop.lookup(args[0]!);
    if (!found.ok) return session.err(found.reason);
    const hook = session.host.options.onDelete;
    if (hook !== undefined) {
      const msg = found.index + 1;
      const { uid, size } = found.info;
      try {
        await hook({ session: session.info, msg, uid, size, command: 'DELE' });
      } catch (err) {
        return session.err(hookMessage(err));
      }
    }
    maildrop.markDeleted(found.index);
    return session.ok(`Message ${found.index + 1} deleted`);
  },
};

export const RSET: CommandSpec = {
  states: TRANSACTION,
  args: [0, 0],
  run(session) {
    const maildrop = maildropOf(session);
    maildrop.reset();
    const { count, size } = maildrop.stat();
    return session.ok(`Maildrop has ${count} messages (${size} octets)`);
  },
};
