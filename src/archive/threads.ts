/**
 * Conversations (threads), the same in both archive stores: a thread is a connected component
 * of messages linked by the Message-IDs they name (their own Message-ID, In-Reply-To and
 * References), so a reply whose parent is not in the archive still joins its siblings through
 * the ids they share. Each thread is numbered by its lowest archive message id, kept in
 * `messages.thread` and, for every Message-ID ever named, in `thread_ids` (msgid -> thread):
 *
 *   - a new message looks its ids up in thread_ids; the threads found and its own id are one
 *     thread now, numbered by the lowest of them (so a message that links two threads merges
 *     them: the higher-numbered one's rows are renumbered);
 *   - its ids not seen before are added to thread_ids under that number.
 *
 * The number of a thread is thus the lowest id of its messages whatever order they arrived in,
 * and `thread:N` (the thread of message N) and a search row's `thread` name it the same way.
 */

/** Ids longer than this (in UTF-8 bytes) are left out of threading: they fit any index. */
const MAX_KEY_BYTES = 900;

/** A Message-ID as threading keys it: in angle brackets; null when it cannot be one. */
export function threadKey(messageId: string | null): string | null {
  if (messageId === null) return null;
  const trimmed = messageId.trim();
  const inner = trimmed.startsWith('<') && trimmed.endsWith('>') ? trimmed.slice(1, -1) : trimmed;
  if (inner === '' || /[\s<>\u0000-\u001f\u007f]/.test(inner)) return null;
  const key = `<${inner}>`;
  return Buffer.byteLength(key) <= MAX_KEY_BYTES ? key : null;
}

/** The distinct ids a message links its thread by: its own, In-Reply-To, References. */
export function threadKeys(message: {
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
}): string[] {
  const keys = new Set<string>();
  for (const id of [message.messageId, message.inReplyTo, ...message.references]) {
    const key = threadKey(id);
    if (key !== null) keys.add(key);
  }
  return [...keys];
}

/**
 * Threads of messages already stored (a migration's backfill): union-find over the messages'
 * ids. Gives each message's thread and each id's, numbered by the lowest message id.
 */
export function computeThreads(
  messages: Iterable<{ readonly id: number; readonly keys: readonly string[] }>,
): {
  readonly messageThread: Map<number, number>;
  readonly keyThread: Map<string, number>;
} {
  const parent = new Map<string, string>();
  const find = (node: string): string => {
    let root = node;
    for (let up = parent.get(root); up !== undefined && up !== root; up = parent.get(root)) root = up;
    for (let at = node; at !== root; ) {
      const next = parent.get(at) as string;
      parent.set(at, root);
      at = next;
    }
    return root;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  const ids: number[] = [];
  for (const m of messages) {
    const node = `#${m.id}`; // message nodes; keys start with '<'
    parent.set(node, node);
    ids.push(m.id);
    for (const key of m.keys) {
      if (!parent.has(key)) parent.set(key, key);
      union(node, key);
    }
  }
  const lowest = new Map<string, number>();
  for (const id of ids) {
    const root = find(`#${id}`);
    lowest.set(root, Math.min(lowest.get(root) ?? id, id));
  }
  const messageThread = new Map<number, number>();
  for (const id of ids) messageThread.set(id, lowest.get(find(`#${id}`)) as number);
  const keyThread = new Map<string, number>();
  for (const node of parent.keys()) {
    if (node.startsWith('<')) keyThread.set(node, lowest.get(find(node)) as number);
  }
  return { messageThread, keyThread };
}

/** A stored message's row as both stores keep it (references as JSON). */
export interface ThreadRow {
  readonly id: number;
  readonly message_id: string | null;
  readonly in_reply_to: string | null;
  readonly references_json: string;
}

/** computeThreads over stored rows: what each store's threading migration backfills. */
export function threadsOfRows(rows: readonly ThreadRow[]): ReturnType<typeof computeThreads> {
  return computeThreads(
    rows.map((r) => ({
      id: r.id,
      keys: threadKeys({
        messageId: r.message_id,
        inReplyTo: r.in_reply_to,
        references: JSON.parse(r.references_json) as string[],
      }),
    })),
  );
}
