import { MemoryStore, Pop3Server, type Pop3ServerOptions } from '../../../src/server/index.js';
import { RawClient } from './raw-client.js';

export const ALICE_MESSAGES = [
  'From: bob@example.org\r\nSubject: one\r\n\r\nfirst body\r\n',
  'From: carol@example.org\r\nSubject: two\r\n\r\n.leading dot\r\nline 2\r\nline 3\r\n',
  'Subject: three\n\nbare LF body\n',
];

/** A server on 127.0.0.1 with alice (3 messages, password "secret") and bob (empty),
 * no failed-login delay, so tests stay fast. */
export async function startServer(
  overrides: Partial<Pop3ServerOptions> = {},
): Promise<{ server: Pop3Server; store: MemoryStore; port: number; connect: () => Promise<RawClient> }> {
  // Tests that pass their own store use their own reference to it; `store` is the default one.
  const store = (overrides.store ?? new MemoryStore({ alice: ALICE_MESSAGES, bob: [] })) as MemoryStore;
  const server = new Pop3Server({
    users: { alice: 'secret', bob: 'builder' },
    authFailureDelay: 0,
    hostname: 'pop3kit.test',
    ...overrides,
    store,
  });
  const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
  return { server, store, port, connect: () => RawClient.connect({ port }) };
}

/** Connects and logs in alice with USER/PASS. */
export async function loginAlice(connect: () => Promise<RawClient>): Promise<RawClient> {
  const client = await connect();
  await client.command('USER alice');
  const reply = await client.command('PASS secret');
  if (!reply.startsWith('+OK')) throw new Error(`login failed: ${reply}`);
  return client;
}

/** Polls `condition` for up to 2 s: for state the server updates just after the client sees a close. */
export async function waitFor(condition: () => boolean, what = 'condition'): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!condition()) throw new Error(`${what} not met within 2 s`);
}
