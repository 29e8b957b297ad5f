// STLS (RFC 2595 §4): when the client upgrades, what it forgets, and what it refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pop3ServerError } from '../../src/index.js';
import { playScript, type Step } from '../helpers/scripted-server.js';
import { CAPS, capaSteps, clientTls, connect, opening, QUIT } from './support.js';

const STLS_CAPS = [...CAPS, 'STLS'];
const upgrade = (reply = '+OK Begin TLS negotiation\r\n'): Step[] => [
  { expect: 'STLS\r\n' },
  { send: reply },
  { startTls: true },
];

describe('STLS', () => {
  it('discards a reply injected after +OK in the same write and works normally over TLS', async () => {
    const lines: string[] = [];
    const logger = { debug: (_: Record<string, unknown>, message?: string) => lines.push(message ?? '') };
    const steps: Step[] = [
      ...opening(STLS_CAPS),
      ...upgrade('+OK\r\n-ERR injected\r\n'),
      ...capaSteps(CAPS),
      { expect: 'NOOP\r\n' },
      { send: '+OK over TLS\r\n' },
      { expect: 'STAT\r\n' },
      { send: '+OK 1 100\r\n' },
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { tls: clientTls(), debugLevel: 1, logger });
      assert.equal(client.secure, true);
      // Had "-ERR injected" been kept, NOOP would have got it as its reply.
      assert.equal(await client.noop(), 'over TLS');
      assert.deepEqual(await client.stat(), { count: 1, size: 100 });
      await client.quit();
    });
    assert.ok(
      lines.some((line) => /discarded 15 octets/.test(line)),
      `the discarded plaintext is logged: ${lines.join(' | ')}`,
    );
  });

  it('forgets the capabilities read before STLS and uses the ones read after', async () => {
    const steps: Step[] = [
      ...opening(['USER', 'X-BEFORE-TLS', 'STLS']),
      ...upgrade(),
      ...capaSteps(['USER', 'PIPELINING', 'SASL PLAIN']),
      { expectChunk: 'STAT\r\nNOOP\r\n' },
      { send: '+OK 0 0\r\n+OK\r\n' },
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { tls: clientTls() });
      assert.deepEqual(await Promise.all([client.stat(), client.noop()]), [{ count: 0, size: 0 }, '']);
      const capabilities = client.capabilities;
      assert.equal(capabilities.pipelining, true, 'PIPELINING offered after STLS is used');
      assert.equal(capabilities.stls, false);
      assert.deepEqual(capabilities.sasl, ['PLAIN']);
      await client.quit();
    });
  });

  it('is not used with starttls "never", even when offered', async () => {
    await playScript([...opening(STLS_CAPS), ...QUIT], {}, async (server) => {
      const client = await connect(server, { starttls: 'never' });
      assert.equal(client.secure, false);
      assert.equal(client.capabilities.stls, true);
      await client.quit();
    });
  });

  it('continues in plaintext on loopback when the server does not offer STLS (opportunistic)', async () => {
    await playScript([...opening(), ...QUIT], {}, async (server) => {
      const client = await connect(server);
      assert.equal(client.secure, false);
      await client.quit();
    });
  });

  it('can be started by hand with stls(), which resolves to the server text', async () => {
    const steps: Step[] = [
      ...opening(STLS_CAPS),
      ...upgrade('+OK go ahead\r\n'),
      ...capaSteps(CAPS),
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { starttls: 'never' });
      assert.equal(client.secure, false);
      assert.equal(await client.stls(clientTls()), 'go ahead');
      assert.equal(client.secure, true);
      await client.quit();
    });
  });

  it('rejects with Pop3ServerError when the server refuses STLS, and the session stays usable', async () => {
    const steps: Step[] = [
      ...opening(STLS_CAPS),
      { expect: 'STLS\r\n' },
      { send: '-ERR [SYS/TEMP] TLS not available now\r\n' },
      { expect: 'NOOP\r\n' },
      { send: '+OK\r\n' },
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { starttls: 'never' });
      const error = await client.stls(clientTls()).catch((e: unknown) => e);
      assert.ok(error instanceof Pop3ServerError, `got ${String(error)}`);
      assert.equal(error.command, 'STLS');
      assert.equal(error.responseCode, 'SYS/TEMP');
      assert.equal(client.secure, false);
      assert.equal(await client.noop(), '');
      await client.quit();
    });
  });

  it('sends STLS alone and nothing in plaintext before the handshake', async () => {
    const steps: Step[] = [
      ...opening(STLS_CAPS),
      { expectChunk: 'STLS\r\n' },
      { send: '+OK\r\n' },
      // Plaintext written here would reach the server's TLS layer and fail the handshake.
      { startTls: true },
      ...capaSteps(CAPS),
      { expect: 'NOOP\r\n' },
      { send: '+OK\r\n' },
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { starttls: 'never' });
      await client.stls(clientTls());
      assert.equal(await client.noop(), '');
      assert.equal(client.secure, true);
      await client.quit();
    });
  });

  it('does not pipeline commands queued behind STLS on a PIPELINING seen before TLS', async () => {
    // RFC 2595 §4 / DESIGN: capabilities from before TLS may be forged by a man in the middle;
    // after the handshake the client reads CAPA again (STYLE §5) before anything else.
    const steps: Step[] = [
      ...opening(['PIPELINING', 'STLS']),
      { expectChunk: 'STLS\r\n' },
      { send: '+OK\r\n' },
      { startTls: true },
      ...capaSteps(['USER']),
      { expect: 'NOOP\r\n' },
      { wait: 30 },
      { send: '+OK first\r\n' },
      { expect: 'STAT\r\n' },
      { send: '+OK 0 0\r\n' },
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { starttls: 'never' });
      const [, noop, stat] = await Promise.all([client.stls(clientTls()), client.noop(), client.stat()]);
      assert.equal(noop, 'first');
      assert.deepEqual(stat, { count: 0, size: 0 });
      assert.equal(client.capabilities.pipelining, false);
      const firstReply = server.events.findIndex((e) => e.data.includes('+OK first'));
      const statSent = server.events.findIndex((e) => e.from === 'client' && e.data.includes('STAT'));
      assert.ok(statSent > firstReply, 'STAT was written only after the NOOP reply (no pipelining)');
      await client.quit();
    });
  });
});
