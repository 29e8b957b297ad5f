/** RETR and TOP (RFC 1939 §5, §7): a message streamed from the store, dot-stuffed. */

import type { CommandLine } from '../command-line.js';
import type { Session } from '../session.js';
import type { CommandSpec } from './types.js';
import { hookMessage, TRANSACTION } from './types.js';

async function send(session: Session, command: CommandLine, topLines: number | undefined): Promise<void> {
  const maildrop = session.maildrop!;
  const found = maildrop.lookup(command.args[0]!);
  if (!found.ok) return session.err(found.reason);
  const msg = found.index + 1;
  const { uid, size } = found.info;
  const hook = session.host.options.onRetrieve;
  if (hook !== undefined) {
    try {
      await hook({ session: session.info, msg, uid, size, command: command.verb });
    } catch (err) {
      return session.err(hookMessage(err));
    }
  }
  let source: Awaited<ReturnType<typeof maildrop.mailbox.open>>;
  try {
    source = await maildrop.mailbox.open(found.index);
  } catch (err) {
    session.host.sessionError(session.info, err as Error);
    return session.err('[SYS/TEMP] The message cannot be read now');
  }
  const status = topLines === undefined ? `+OK ${size} octets` : '+OK Top of message follows';
  await session.sendMessage(status, source, topLines);
  if (topLines === undefined) session.retrieved++;
}

export const RETR: CommandSpec = {
  states: TRANSACTION,
  args: [1, 1],
  run: (session, command) => send(session, command, undefined),
};

export const TOP: CommandSpec = {
  states: TRANSACTION,
  args: [2, 2],
  run(session, command) {
    const lines = command.args[1]!;
    if (!/^[0-9]{1,10}$/.test(lines)) return session.err('Invalid number of lines');
    return send(session, command, Number(lines));
  },
};
