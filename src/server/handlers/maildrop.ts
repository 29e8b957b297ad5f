/** STAT, LIST, UIDL, DELE and RSET (RFC 1939 §5, §7): the maildrop listing and deletion marks. */

import type { Session } from '../session.js';
import type { MessageInfo } from '../store.js';
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

/**
 * LIST and UIDL share their shape (RFC 1939 §5, §7): with an argument one "+OK n value"
 * line, without one a scan line per live message; only the value and the heading differ.
 */
function scanListing(
  column: (info: MessageInfo) => string | number,
  heading: (session: Session) => string,
): CommandSpec {
  return {
    states: TRANSACTION,
    args: [0, 1],
    async run(session, { args }) {
      const maildrop = maildropOf(session);
      if (args[0] !== undefined) {
        const found = maildrop.lookup(args[0]);
        if (!found.ok) return session.err(found.reason);
        return session.ok(`${found.index + 1} ${column(found.info)}`);
      }
      const lines = (function* () {
        for (const { msg, info } of maildrop.live()) yield `${msg} ${column(info)}`;
      })();
      return session.sendLines(heading(session), lines);
    },
  };
}

export const LIST = scanListing(
  (info) => info.size,
  (session) => {
    const { count, size } = maildropOf(session).stat();
    return `+OK ${count} messages (${size} octets)`;
  },
);

export const UIDL = scanListing(
  (info) => info.uid,
  () => '+OK',
);

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
