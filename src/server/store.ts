/**
 * What the server needs from a mail store. A store hands out one `Mailbox` per session: a
 * snapshot taken at login, so message numbers stay stable for the whole session (RFC 1939 §5)
 * even while new mail is delivered.
 */

import type { Readable } from 'node:stream';

/** One message as the session sees it. */
export interface MessageInfo {
  /** The unique-id listing (RFC 1939 §7): 1-70 characters from 0x21 to 0x7E, stable across sessions. */
  readonly uid: string;
  /**
   * Octets on the wire: the message with every bare LF counted as CRLF (the server sends it
   * so), before dot-stuffing. `wireSize()` computes it. LIST and STAT report this number.
   */
  readonly size: number;
}

/** A user's maildrop, opened for one session. */
export interface Mailbox {
  /** The messages at login, in order; message number n is `messages[n - 1]`. */
  readonly messages: readonly MessageInfo[];
  /**
   * Opens message `index` (0-based). The promise settles once the message is known to be
   * readable, so a vanished message can still be answered with -ERR; the stream then yields
   * the raw bytes (LF or CRLF line ends). The server reads it with backpressure and destroys it
   * when it stops early (TOP).
   */
  open(index: number): Promise<Readable>;
  /** The UPDATE state (RFC 1939 §6): remove these messages (0-based indexes) for good. */
  remove(indexes: readonly number[]): Promise<void>;
  /** The session is over (after `remove`, or without it when the connection dropped). */
  close(): Promise<void>;
}

/** Where mailboxes come from: `MemoryStore`, `MaildirStore`, or your own. */
export interface MailStore {
  /**
   * Opens `user`'s maildrop at login.
   * @throws MailboxInUseError when another session holds it (answered `-ERR [IN-USE]`).
   * @throws MailStoreError with `permanent` for `-ERR [SYS/PERM]`; any other error is
   *   answered `-ERR [SYS/TEMP]`.
   */
  openMailbox(user: string): Promise<Mailbox>;
}

/**
 * A store's refusal to open a mailbox, answered `-ERR [SYS/PERM]` when `permanent` (retrying
 * will not help, RFC 3206 §4) and `-ERR [SYS/TEMP]` otherwise. The message is not sent.
 */
export class MailStoreError extends Error {
  readonly code = 'POP3_MAIL_STORE';
  readonly permanent: boolean;
  constructor(message: string, options: { permanent: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.permanent = options.permanent;
  }
}

/** Another session holds the mailbox (RFC 2449 §8.1.1 IN-USE). */
export class MailboxInUseError extends Error {
  readonly code = 'POP3_MAILBOX_IN_USE';
  constructor(user: string) {
    super(`mailbox of ${JSON.stringify(user)} is in use by another session`);
  }
}

/**
 * One session per mailbox at a time (RFC 1939 §8: the server "acquires an exclusive-access
 * lock on the maildrop"). In-process and per store object; `MaildirStore` adds a lock file
 * for other processes.
 */
export class LockTable {
  readonly #held = new Set<string>();

  /** Takes the lock, or throws `MailboxInUseError`. Returns the function that releases it. */
  acquire(user: string): () => void {
    if (this.#held.has(user)) throw new MailboxInUseError(user);
    this.#held.add(user);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held.delete(user);
    };
  }

  isLocked(user: string): boolean {
    return this.#held.has(user);
  }
}
