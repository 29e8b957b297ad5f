/** Drives a client mechanism against a server mechanism the way a POP3 AUTH exchange does,
 * with every message going through base64 as on the wire (RFC 5034 §4). */

import type { SaslClientMechanism } from '../../src/sasl/mechanism.js';
import { type SaslServerLookup, type SaslServerMechanism, settleStep } from '../../src/sasl/server/index.js';
import type { SaslServerStep } from '../../src/sasl/server/types.js';

export interface ExchangeResult {
  /** The server's last step: success or failure. */
  readonly outcome: SaslServerStep;
  /** `C: <base64>` and `S: + <base64>` lines, for exact-bytes assertions. */
  readonly transcript: readonly string[];
}

const wire = (bytes: Buffer): Buffer => Buffer.from(bytes.toString('base64'), 'base64');

/**
 * Runs one exchange. `twoStep` omits the initial response from AUTH, so the server asks for it
 * with an empty challenge. Client exceptions propagate, as does `finish()` failing after success.
 */
export async function runExchange(
  client: SaslClientMechanism,
  server: SaslServerMechanism,
  lookup: SaslServerLookup,
  { twoStep = false }: { twoStep?: boolean } = {},
): Promise<ExchangeResult> {
  const transcript: string[] = [];
  const ir = twoStep ? undefined : client.initialResponse();
  transcript.push(`C: AUTH ${client.name}${ir === undefined ? '' : ` ${ir.toString('base64') || '='}`}`);
  let step = server.start(ir === undefined ? undefined : wire(ir));
  for (let round = 0; round < 10; round++) {
    step = await settleStep(server, step, lookup);
    if (step.kind !== 'challenge') break;
    transcript.push(`S: + ${step.challenge.toString('base64')}`);
    const response = client.step(wire(step.challenge));
    transcript.push(`C: ${response.toString('base64')}`);
    step = server.respond(wire(response));
  }
  if (step.kind === 'success') client.finish();
  return { outcome: step, transcript };
}

export function passwords(table: Record<string, string>): SaslServerLookup {
  return { getPassword: (user) => table[user] };
}
