// Set-up shared by the ports of CPython's TestPOP3Class (plain), TestPOP3_SSLClass (implicit
// TLS) and TestPOP3_TLSClass (POP3 then stls()), and assertions on poplib's shapes.
import assert from 'node:assert/strict';
import { error_proto, POP3, POP3_SSL, type POP3Options } from '../../src/client/poplib.js';
import { getTestCerts } from '../helpers/certs.js';
import { DummyPOP3Server, type DummyServerOptions } from './dummy-pop3-server.js';

export type Variant = 'POP3' | 'POP3_SSL' | 'POP3_TLS';

/** test_support.LOOPBACK_TIMEOUT, in seconds. */
export const LOOPBACK_TIMEOUT = 10;

export interface Fixture {
  server: DummyPOP3Server;
  client: POP3;
}

/** The test CA, as the `context` that trusts the dummy server's certificate. */
export function trustingContext(): { ca: string } {
  return { ca: getTestCerts().caPem };
}

/** Connects a client to `server` the way the variant's setUp does. */
export async function connectClient(
  variant: Variant,
  server: DummyPOP3Server,
  options: POP3Options = {},
): Promise<POP3> {
  if (variant === 'POP3_SSL') {
    // Python's setUp passes no context and its default context verifies nothing; pop3kit
    // verifies, so the test CA is the context here.
    return POP3_SSL.connect(server.host, server.port, { context: trustingContext() }, options);
  }
  const client = await POP3.connect(server.host, server.port, LOOPBACK_TIMEOUT, options);
  if (variant === 'POP3_TLS') await client.stls(trustingContext());
  return client;
}

/** setUp: a dummy server for the variant and a client connected to it. */
export async function setUp(
  variant: Variant,
  serverOptions: DummyServerOptions = {},
  options: POP3Options = {},
): Promise<Fixture> {
  const server = await DummyPOP3Server.start({ ...serverOptions, secure: variant === 'POP3_SSL' });
  try {
    return { server, client: await connectClient(variant, server, options) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** tearDown: TestPOP3_TLSClass quits (closing if QUIT fails); the others close. */
export async function tearDown(variant: Variant, fixture: Fixture): Promise<void> {
  if (variant === 'POP3_TLS' && fixture.client.client.state !== 'closed') {
    try {
      await fixture.client.quit();
    } catch (error) {
      // happens in the test_too_long_lines case, as in CPython's tearDown
      assert.ok(error instanceof error_proto);
      fixture.client.close();
    }
  } else {
    fixture.client.close();
  }
  await fixture.server.stop();
}

/** CPython's assertOK: the response is bytes starting with "+OK". */
export function assertOK(resp: Buffer): void {
  assert.ok(Buffer.isBuffer(resp), 'a status line is a Buffer');
  assert.ok(resp.subarray(0, 3).equals(Buffer.from('+OK')), `expected +OK, got ${resp.toString()}`);
}

export const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Asserts `promise` rejects with error_proto; optionally its message and the pop3kit cause. */
export async function assertRaisesErrorProto(
  promise: Promise<unknown>,
  expected: { message?: string; cause?: abstract new (...args: never[]) => Error } = {},
): Promise<error_proto> {
  let caught: unknown;
  await assert.rejects(promise, (error) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof error_proto, `expected error_proto, got ${String(caught)}`);
  if (expected.message !== undefined) assert.equal(caught.message, expected.message);
  if (expected.cause !== undefined) {
    assert.ok(
      caught.cause instanceof expected.cause,
      `expected cause ${expected.cause.name}, got ${String(caught.cause)}`,
    );
  }
  return caught;
}
