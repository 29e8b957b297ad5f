/** AUTH (RFC 5034): a SASL exchange driven by the mechanisms of src/sasl/server. */

import { createServerMechanism, type SaslServerStep, settleStep } from '../../sasl/server/index.js';
import { TOO_LONG } from '../command-line.js';
import { isPlaintextMechanism } from '../credentials.js';
import type { Session } from '../session.js';
import { PLAINTEXT_REFUSED } from './login.js';
import type { CommandSpec } from './types.js';
import { AUTHORIZATION } from './types.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64: a client that sends anything else has broken the exchange. */
function decodeBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** SASL mechanisms this connection may use now: plaintext ones only where allowed. */
export function usableMechanisms(session: Session): string[] {
  return session.host.credentials.mechanisms.filter(
    (name) => session.plaintextAllowed || !isPlaintextMechanism(name),
  );
}

export const AUTH: CommandSpec = {
  states: AUTHORIZATION,
  args: [0, 2],
  async run(session, { args }) {
    const offered = usableMechanisms(session);
    // "AUTH" alone lists the mechanisms, as Dovecot and Cyrus do (RFC 1734 clients use it).
    if (args.length === 0) return session.sendLines('+OK', offered);
    const name = args[0]!.toUpperCase();
    if (!offered.includes(name)) {
      if (session.host.credentials.mechanisms.includes(name)) return session.err(PLAINTEXT_REFUSED);
      return session.err('Unsupported authentication mechanism');
    }
    let initial: Buffer | undefined;
    if (args[1] !== undefined) {
      // RFC 5034 §4: "=" is an empty initial response.
      initial = args[1] === '=' ? Buffer.alloc(0) : decodeBase64(args[1]);
      if (initial === undefined) return session.err('Invalid base64 in the initial response');
    }
    const mechanism = createServerMechanism(name, { cramMd5: { hostname: session.host.hostname } });
    let step: SaslServerStep = mechanism.start(initial);
    for (;;) {
      step = await settleStep(mechanism, step, session.host.credentials);
      if (step.kind !== 'challenge') break;
      const response = await exchange(session, step.challenge);
      if (typeof response === 'string') return session.err(response);
      if (response === undefined) return; // the connection is gone
      step = mechanism.respond(response);
    }
    if (step.kind === 'failure') return session.loginFailed(undefined);
    if (step.kind !== 'success') return session.err('Authentication failed');
    // Acting as another user (RFC 4422 §3.4.1) is a policy this server does not grant.
    if (step.authzid !== undefined && step.authzid !== step.user) return session.loginFailed(step.user);
    return session.login(step.user);
  },
};

/** Sends one "+ challenge" and reads the answer: bytes, an -ERR text, or undefined (gone). */
async function exchange(session: Session, challenge: Buffer): Promise<Buffer | string | undefined> {
  await session.reply(`+ ${challenge.toString('base64')}`);
  const line = await session.readLine();
  if (line === undefined) return undefined;
  if (line === TOO_LONG) return 'Line too long';
  const text = line.toString('latin1');
  // RFC 5034 §4: "*" cancels the exchange.
  if (text === '*') return 'Authentication cancelled';
  return decodeBase64(text) ?? 'Invalid base64 in the response';
}
