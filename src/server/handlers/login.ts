/** USER, PASS and APOP: the RFC 1939 §7 ways into the TRANSACTION state. */

import type { CommandSpec } from './types.js';
import { AUTHORIZATION } from './types.js';

/** Dovecot's wording, which clients and users know. */
export const PLAINTEXT_REFUSED =
  '[AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.';

export const USER: CommandSpec = {
  states: AUTHORIZATION,
  args: [1, 1],
  async run(session, { args }) {
    if (!session.host.credentials.userPass) return session.err('USER/PASS is not available');
    if (!session.plaintextAllowed) return session.err(PLAINTEXT_REFUSED);
    session.pendingUser = args[0]!;
    // The same answer for every name, so user names cannot be probed.
    return session.ok();
  },
};

export const PASS: CommandSpec = {
  states: AUTHORIZATION,
  // RFC 1939 §7: the whole rest of the line is the password, spaces included.
  args: [1, Number.POSITIVE_INFINITY],
  async run(session, { rest }) {
    const user = session.pendingUser;
    if (user === undefined) return session.err('No username given, send USER first');
    if (!session.plaintextAllowed) return session.err(PLAINTEXT_REFUSED);
    session.pendingUser = undefined;
    const accepted = await session.host.credentials.checkLogin({
      method: 'USER',
      user,
      password: rest,
      session: session.info,
    });
    if (!accepted) return session.loginFailed(user);
    return session.login(user);
  },
};

export const APOP: CommandSpec = {
  states: AUTHORIZATION,
  args: [2, 2],
  async run(session, { args }) {
    const [user, digest] = args as [string, string];
    const timestamp = session.apopTimestamp;
    if (timestamp === undefined) return session.err('APOP is not available');
    // APOP never sends the password itself, so it is allowed without TLS.
    const accepted = await session.host.credentials.checkApop(user, timestamp, digest);
    if (!accepted) return session.loginFailed(user);
    return session.login(user);
  },
};
