import type { Mailbox, MessageInfo } from './store.js';

export type Lookup =
  | { readonly ok: true; readonly index: number; readonly info: MessageInfo }
  | { readonly ok: false; readonly reason: string };

/**
 * The session's view of a mailbox in the TRANSACTION state (RFC 1939 §5): message numbers
 * fixed at login, deletion marks that RSET clears, and nothing removed before UPDATE.
 */
export class Maildrop {
  readonly mailbox: Mailbox;
  readonly #deleted = new Set<number>();

  constructor(mailbox: Mailbox) {
    this.mailbox = mailbox;
  }

  /** Finds message `msg` (1-based) from a command argument; deleted ones are refused
   * ("message 2 already deleted", RFC 1939 §5 DELE/RETR). */
  lookup(argument: string): Lookup {
    if (!/^[0-9]{1,10}$/.test(argument)) return { ok: false, reason: 'Invalid message number' };
    const msg = Number(argument);
    const info = this.mailbox.messages[msg - 1];
    if (msg < 1 || info === undefined) return { ok: false, reason: 'No such message' };
    if (this.#deleted.has(msg - 1)) return { ok: false, reason: `Message ${msg} already deleted` };
    return { ok: true, index: msg - 1, info };
  }

  /** Messages not marked deleted, with their numbers. */
  *live(): Generator<{ readonly msg: number; readonly info: MessageInfo }> {
    const messages = this.mailbox.messages;
    for (let i = 0; i < messages.length; i++) {
      if (!this.#deleted.has(i)) yield { msg: i + 1, info: messages[i]! };
    }
  }

  /** STAT's numbers: deleted messages left out (RFC 1939 §5). */
  stat(): { count: number; size: number } {
    let count = 0;
    let size = 0;
    for (const { info } of this.live()) {
      count++;
      size += info.size;
    }
    return { count, size };
  }

  markDeleted(index: number): void {
    this.#deleted.add(index);
  }

  /** RSET: unmark everything. */
  reset(): void {
    this.#deleted.clear();
  }

  get deletedCount(): number {
    return this.#deleted.size;
  }

  /** Indexes to remove in the UPDATE state, in message order. */
  deletedIndexes(): number[] {
    return [...this.#deleted].sort((a, b) => a - b);
  }
}
