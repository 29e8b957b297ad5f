import { Readable } from 'node:stream';
import { wireSize } from '../protocol/line-ends.js';
import { LockTable, type Mailbox, type MailStore, type MessageInfo } from './store.js';

/** A message kept by `MemoryStore`. */
export interface StoredMessage {
  readonly uid: string;
  readonly body: Buffer;
}

/** Pieces handed to the session, so even an in-memory message is sent with backpressure. */
const CHUNK = 64 * 1024;

/**
 * An in-memory store for tests: `add()` messages, run sessions, then look at `messages()` to
 * see what QUIT removed. Each login sees a snapshot; mail added meanwhile waits for the next.
 */
export class MemoryStore implements MailStore {
  readonly #boxes = new Map<string, StoredMessage[]>();
  readonly #locks = new LockTable();
  #nextUid = 1;

  /** @param mailboxes initial messages per user (strings are UTF-8). */
  constructor(mailboxes: Readonly<Record<string, readonly (Buffer | string)[]>> = {}) {
    for (const [user, messages] of Object.entries(mailboxes)) {
      this.#box(user);
      for (const message of messages) this.add(user, message);
    }
  }

  /** Delivers a message; returns its UID (`uid` if given, else a new one). */
  add(user: string, message: Buffer | string, uid?: string): string {
    const id = uid ?? `m${this.#nextUid++}`;
    const body = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
    this.#box(user).push({ uid: id, body });
    return id;
  }

  /** The messages `user` has now, in order. */
  messages(user: string): readonly StoredMessage[] {
    return [...(this.#boxes.get(user) ?? [])];
  }

  /** Whether a session holds `user`'s mailbox right now. */
  isLocked(user: string): boolean {
    return this.#locks.isLocked(user);
  }

  async openMailbox(user: string): Promise<Mailbox> {
    const release = this.#locks.acquire(user);
    const snapshot = [...this.#box(user)];
    const infos: MessageInfo[] = snapshot.map((m) => ({ uid: m.uid, size: wireSize(m.body) }));
    return {
      messages: infos,
      open: async (index) => {
        const message = snapshot[index];
        if (message === undefined) throw new RangeError(`no message at index ${index}`);
        return Readable.from(chunks(message.body), { objectMode: false });
      },
      remove: async (indexes) => {
        const gone = new Set(indexes.map((i) => snapshot[i]?.uid));
        const box = this.#box(user);
        const kept = box.filter((m) => !gone.has(m.uid));
        box.splice(0, box.length, ...kept);
      },
      close: async () => release(),
    };
  }

  #box(user: string): StoredMessage[] {
    let box = this.#boxes.get(user);
    if (box === undefined) {
      box = [];
      this.#boxes.set(user, box);
    }
    return box;
  }
}

function* chunks(body: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < body.length; offset += CHUNK) yield body.subarray(offset, offset + CHUNK);
}
