// Port of CPython's TestTimeouts (Lib/test/test_poplib.py, 3.11). Python reads the timeout
// back with sock.gettimeout(); the facade reports it as `timeout`, and these tests also check
// that it acts. CPython's server sends "+ Hola mundo\n" and closes; pop3kit wants "+OK" and
// reads CAPA right after the greeting, so this server greets with "+OK" and stays open.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { POP3 } from '../../src/client/poplib.js';
import { Pop3ProtocolError, Pop3TimeoutError } from '../../src/errors.js';
import { assertOK, assertRaisesErrorProto, LOOPBACK_TIMEOUT } from './harness.js';

/** Greets, refuses CAPA, answers NOOP after `noopDelayMs` (never when undefined), QUIT. */
class SlowServer {
  noopDelayMs: number | undefined;
  greeting = '+OK Hola mundo';
  readonly #server = net.createServer((socket) => this.#serve(socket));
  readonly #sockets = new Set<net.Socket>();

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #serve(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.write(`${this.greeting}\n`);
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n'); end !== -1; end = pending.indexOf('\r\n')) {
        const verb = pending.slice(0, end).split(' ')[0]!.toUpperCase();
        pending = pending.slice(end + 2);
        if (verb === 'CAPA') socket.write('-ERR no CAPA\r\n');
        else if (verb === 'QUIT') socket.end('+OK bye\r\n');
        else if (verb === 'NOOP' && this.noopDelayMs !== undefined) {
          setTimeout(() => socket.destroyed || socket.write('+OK late\r\n'), this.noopDelayMs);
        }
      }
    });
  }
}

describe('TestTimeouts', () => {
  const server = new SlowServer();
  before(() => server.start());
  after(() => server.stop());

  it('testTimeoutDefault: without a timeout, pop3kit waits 60 s (Python: the socket default)', async () => {
    // Python's default is socket.getdefaulttimeout(), usually None (wait forever); Node has no
    // global socket timeout, and the facade does not hang forever unless asked (null).
    const pop = await POP3.connect('127.0.0.1', server.port);
    try {
      assert.equal(pop.timeout, 60);
    } finally {
      pop.close();
    }
  });

  it('testTimeoutNone: timeout null waits as long as the server takes', async () => {
    server.noopDelayMs = 1000;
    const pop = await POP3.connect('127.0.0.1', server.port, null);
    try {
      assert.equal(pop.timeout, null);
      assertOK(await pop.noop());
    } finally {
      pop.close();
    }
    // The same slow reply fails a short timeout, so the wait above was not luck.
    const hasty = await POP3.connect('127.0.0.1', server.port, 0.4);
    try {
      await assertRaisesErrorProto(hasty.noop(), { cause: Pop3TimeoutError });
    } finally {
      hasty.close();
    }
  });

  it('testTimeoutValue: the timeout is kept and fires; 0 is refused', async () => {
    const pop = await POP3.connect('127.0.0.1', server.port, LOOPBACK_TIMEOUT);
    assert.equal(pop.timeout, LOOPBACK_TIMEOUT);
    pop.close();

    server.noopDelayMs = undefined;
    const stalled = await POP3.connect('127.0.0.1', server.port, 0.5);
    try {
      const started = performance.now();
      const error = await assertRaisesErrorProto(stalled.noop(), { cause: Pop3TimeoutError });
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 450 && elapsed < 5000, `timed out after ${elapsed} ms`);
      assert.equal((error.cause as Pop3TimeoutError).phase, 'idle');
    } finally {
      stalled.close();
    }
    // Python raises ValueError('Non-blocking socket (timeout=0) is not supported').
    await assert.rejects(POP3.connect('127.0.0.1', server.port, 0), {
      name: 'RangeError',
      message: 'Non-blocking socket (timeout=0) is not supported',
    });
    // Python: ValueError('Timeout value out of range'); Node's timers stop at 2^31-1 ms.
    await assert.rejects(POP3.connect('127.0.0.1', server.port, -1), RangeError);
    await assert.rejects(POP3.connect('127.0.0.1', server.port, 2_147_484), RangeError);
    const longest = await POP3.connect('127.0.0.1', server.port, 2_147_483.647);
    assert.equal(longest.timeout, 2_147_483.647);
    longest.close();
  });

  it("CPython's '+ Hola mundo' greeting is no +OK, and pop3kit refuses it", async () => {
    // poplib accepts any line starting with "+"; "+ " is a SASL continuation (RFC 5034), not
    // a greeting, so pop3kit's parser refuses it.
    server.greeting = '+ Hola mundo';
    try {
      await assertRaisesErrorProto(POP3.connect('127.0.0.1', server.port, LOOPBACK_TIMEOUT), {
        cause: Pop3ProtocolError,
      });
    } finally {
      server.greeting = '+OK Hola mundo';
    }
  });
});
