/**
 * Delivery through an MDA (procmail, maildrop, dovecot-lda, `cat > file`...): the message on
 * stdin, exit status 0 = delivered. We cannot look inside the MDA, so this is at least once:
 * a run killed while the MDA ran cannot tell whether it delivered, and delivers again.
 */
import type { Readable } from 'node:stream';
import { type CommandResult, describeExit, runCommand } from './command.js';
import type { PendingDelivery } from './pending.js';
import {
  type Delivered,
  DeliveryError,
  deliveryError,
  type Ledger,
  type OutgoingMessage,
  type Settled,
  type Writer,
} from './writer.js';

type MdaPending = Extract<PendingDelivery, { kind: 'mda' }>;

export class MdaWriter implements Writer {
  readonly #command: string;
  readonly #ledger: Ledger;

  constructor(command: string, ledger: Ledger) {
    this.#command = command;
    this.#ledger = ledger;
  }

  async deliver(messages: readonly OutgoingMessage[]): Promise<Delivered[]> {
    const delivered: Delivered[] = [];
    // One at a time: an MDA failing usually fails for every message (its disk is full, a
    // typo in the command), so the run stops at the first failure.
    try {
      for (const message of messages) delivered.push(await this.#run(message.uid, message.data));
    } catch (error) {
      throw deliveryError(error, `the MDA (${this.#command}) failed`, delivered);
    }
    return delivered;
  }

  deliverStream(uid: string, source: Readable): Promise<Delivered> {
    return this.#run(uid, source);
  }

  async #run(uid: string, input: Buffer | Readable): Promise<Delivered> {
    this.#ledger.markPending([{ uid, pending: { kind: 'mda', command: this.#command } }]);
    let result: CommandResult;
    try {
      result = await runCommand(this.#command, input, { POP3KIT_UID: uid });
    } catch (error) {
      this.#reset(uid);
      throw deliveryError(error, `the MDA (${this.#command}) could not be run for ${uid}`);
    }
    if (result.code !== 0) {
      this.#reset(uid);
      throw new DeliveryError(`the MDA (${this.#command}) failed for ${uid}: ${describeExit(result)}`);
    }
    const delivered = { uid, location: 'mda' };
    this.#ledger.markDelivered([delivered]);
    return delivered;
  }

  #reset(uid: string): void {
    try {
      this.#ledger.resetPending([uid]);
    } catch {
      // Left pending: the next run delivers it again, which is what an MDA delivery gets anyway.
    }
  }
}

/** After a crash an MDA delivery is unknowable: it goes again (at least once). */
export function settleMda(
  pendings: readonly { uid: string; pending: MdaPending }[],
  ledger: Ledger,
): Settled {
  const uids = pendings.map((p) => p.uid);
  if (uids.length > 0) ledger.resetPending(uids);
  return {
    delivered: [],
    deliveredTo: [],
    redeliver: uids,
    warnings: uids.map(
      (uid) =>
        `the MDA may or may not have delivered ${uid} before the last run stopped; it is delivered again`,
    ),
  };
}
