/**
 * The maildrop as the planner sees it: message number, a stable key, size. The key is the
 * UIDL (RFC 1939 §7). A server without UIDL gets a fallback key from TOP n 0: Message-ID and
 * size, numbered when several messages share both (so two copies of one message are both
 * fetched). Weaker than a UIDL, hence the warning: a message without Message-ID whose
 * headers a server rewrites could come twice.
 */
import { createHash } from 'node:crypto';
import { Pop3AuthError, Pop3ServerError } from '../errors.js';
import type { Pop3Client } from '../index.js';
import { toLf } from '../protocol/line-ends.js';
import { headerValues, parseHeaders } from './headers.js';
import type { ListedMessage } from './planner.js';

export interface Listing {
  readonly messages: ListedMessage[];
  /** True when the keys come from TOP, not UIDL. */
  readonly fallback: boolean;
}

export async function listMessages(client: Pop3Client, warn: (message: string) => void): Promise<Listing> {
  const sizes = await client.list();
  const uids = await uidlOrUndefined(client);
  if (uids !== undefined) {
    const messages: ListedMessage[] = [];
    const taken = new Set<string>();
    for (const { msg, size } of sizes) {
      const uid = uids.get(msg);
      // A message the UIDL listing lacks, or whose UID another has (RFC 1939 §7 forbids
      // both), cannot be tracked: leave it rather than guess.
      if (uid === undefined) warn(`message ${msg} has no UIDL; it is left on the server`);
      else if (taken.has(uid)) warn(`message ${msg} repeats the UID ${uid}; it is left on the server`);
      else {
        taken.add(uid);
        messages.push({ msg, uid, size });
      }
    }
    return { messages, fallback: false };
  }
  warn(
    'the server does not support UIDL: messages are told apart by Message-ID and size (from TOP), ' +
      'which is weaker; use a server with UIDL if you can',
  );
  try {
    return { messages: await fallbackKeys(client, sizes), fallback: true };
  } catch (error) {
    if (!(error instanceof Pop3ServerError)) throw error;
    throw new Error(
      `the server offers neither UIDL nor a working TOP (${error.message}): messages cannot be told apart`,
      {
        cause: error,
      },
    );
  }
}

async function uidlOrUndefined(client: Pop3Client): Promise<Map<number, string> | undefined> {
  const capabilities = client.capabilities;
  // An empty CAPA (the server has none) says nothing; one without UIDL says no (RFC 2449 §6.5).
  const capaKnown =
    capabilities.top ||
    capabilities.user ||
    capabilities.sasl.length > 0 ||
    capabilities.pipelining ||
    capabilities.respCodes ||
    capabilities.implementation !== undefined;
  if (capaKnown && !capabilities.uidl) return undefined;
  try {
    return new Map((await client.uidl()).map(({ msg, uid }) => [msg, uid]));
  } catch (error) {
    if (error instanceof Pop3ServerError && !(error instanceof Pop3AuthError)) return undefined;
    throw error;
  }
}

async function fallbackKeys(
  client: Pop3Client,
  sizes: readonly { msg: number; size: number }[],
): Promise<ListedMessage[]> {
  const size = new Map(sizes.map((s) => [s.msg, s.size]));
  const seen = new Map<string, number>();
  const messages: ListedMessage[] = [];
  for await (const { msg, data } of client.topMany(
    sizes.map((s) => s.msg),
    0,
  )) {
    const bytes = size.get(msg) ?? 0;
    const messageId = headerValues(parseHeaders(data), 'Message-ID')[0];
    const base =
      messageId !== undefined && messageId !== ''
        ? `mid:${messageId}:${bytes}`
        : `hdr:${createHash('sha256').update(toLf(data)).digest('hex').slice(0, 32)}:${bytes}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    messages.push({ msg, uid: count === 1 ? base : `${base}#${count}`, size: bytes });
  }
  return messages;
}
