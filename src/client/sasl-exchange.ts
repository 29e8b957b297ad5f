import { Pop3ProtocolError } from '../errors.js';
import { MAX_COMMAND_LENGTH } from '../protocol/constants.js';
import { encodeCommand } from '../protocol/encoder.js';
import { decodeBase64Strict } from '../sasl/bytes.js';
import type { SaslClientMechanism } from '../sasl/mechanism.js';

const CANCEL = Buffer.from('*\r\n');

/** Microsoft's POP3 wants XOAUTH2 in two steps ("AUTH XOAUTH2", "+ ", then the token);
 * Gmail and Dovecot accept that form too, so it is the one that works everywhere. */
const TWO_STEP = new Set(['XOAUTH2']);

/**
 * Drives one AUTH exchange over POP3 (RFC 5034 §4): the initial response rides on the AUTH
 * line only when the whole line fits RFC 2449's 255 octets, otherwise it answers the first
 * empty "+ "; an empty initial response is "="; a failure on our side is cancelled with "*"
 * and remembered, so the -ERR that follows is reported as what really went wrong.
 */
export class SaslExchange {
  readonly line: Buffer;
  readonly logLine: string;
  readonly #mechanism: SaslClientMechanism;
  #deferred: Buffer | undefined;
  #cancelled = false;
  /** Our own failure (bad challenge, wrong server proof) that led to the "*". */
  failure: Error | undefined;

  constructor(mechanism: SaslClientMechanism) {
    this.#mechanism = mechanism;
    const name = mechanism.name;
    const initial = mechanism.initialResponse();
    let line = encodeCommand('AUTH', [name]);
    if (initial !== undefined) {
      const encoded = initial.length === 0 ? '=' : initial.toString('base64');
      const fits = line.length + 1 + encoded.length <= MAX_COMMAND_LENGTH;
      if (fits && !TWO_STEP.has(name)) line = encodeCommand('AUTH', [name, encoded]);
      else this.#deferred = initial;
    }
    this.line = line;
    this.logLine = line.length > `AUTH ${name}\r\n`.length ? `AUTH ${name} ****` : `AUTH ${name}`;
  }

  /** Answers one "+ " continuation with the next line. Never throws for a bad challenge:
   * it cancels instead, as the RFC requires; a server that goes on after "*" is broken. */
  respond(text: string): Buffer {
    if (this.#cancelled)
      throw new Pop3ProtocolError('server sent another AUTH challenge after the exchange was cancelled');
    try {
      let response: Buffer;
      if (this.#deferred !== undefined) {
        response = this.#deferred;
        this.#deferred = undefined;
      } else {
        const challenge = decodeBase64Strict(text);
        if (challenge === undefined) throw new Pop3ProtocolError('AUTH challenge is not valid base64');
        response = this.#mechanism.step(challenge);
      }
      return Buffer.from(`${response.toString('base64')}\r\n`);
    } catch (error) {
      this.failure = error instanceof Error ? error : new Pop3ProtocolError(String(error));
      this.#cancelled = true;
      return CANCEL;
    }
  }

  /** The server said +OK: check whatever the mechanism still has to verify (SCRAM's proof). */
  finish(): void {
    if (this.#cancelled)
      throw this.failure ?? new Pop3ProtocolError('server accepted a cancelled AUTH exchange');
    this.#mechanism.finish();
  }
}
