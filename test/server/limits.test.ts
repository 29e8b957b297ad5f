import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Pop3Server } from '../../src/server/index.js';
import { RawClient } from './helpers/raw-client.js';
import { loginAlice, startServer, waitFor } from './helpers/server.js';

describe('limits and shutdown', () => {
  const servers: Pop3Server[] = [];
  after(() => Promise.all(servers.map((s) => s.close({ graceMs: 0 }))));

  async function start(options: Parameters<typeof startServer>[0]) {
    const started = await startServer(options);
    servers.push(started.server);
    return started;
  }

  it('turns away connections over maxConnections with -ERR [SYS/TEMP]', async () => {
    const { connect, port, server } = await start({ maxConnections: 2 });
    const a = await connect();
    const b = await connect();
    const { connect: netConnect } = await import('node:net');
    const third = netConnect(port, '127.0.0.1');
    const text = await new Promise<string>((resolve) => {
      let data = '';
      third.on('data', (d) => (data += d.toString()));
      third.on('close', () => resolve(data));
    });
    assert.equal(text, '-ERR [SYS/TEMP] Too many connections, try again later\r\n');
    assert.equal(server.connections, 2);
    await a.command('QUIT');
    await a.closed();
    await waitFor(() => server.connections === 1, 'the server noticed the close');
    const c = await connect(); // a slot is free again
    assert.match(c.greeting, /^\+OK/);
    b.close();
    c.close();
  });

  it('logs out an idle session and deletes nothing (RFC 1939 §3 autologout)', async () => {
    const { connect, store } = await start({ idleTimeout: 150 });
    const client = await loginAlice(connect);
    assert.equal(await client.command('DELE 1'), '+OK Message 1 deleted');
    assert.equal(await client.line(), '-ERR Disconnected for inactivity');
    await client.closed();
    assert.equal(store.messages('alice').length, 3);
  });

  it('waits authFailureDelay before answering a failed login', async () => {
    const { connect } = await start({ authFailureDelay: 200 });
    const client = await connect();
    await client.command('USER alice');
    const started = Date.now();
    assert.equal(await client.command('PASS wrong'), '-ERR [AUTH] Authentication failed.');
    assert.ok(Date.now() - started >= 190, 'the failure is answered after the delay');
    client.close();
  });

  it('hangs up after maxAuthFailures failed logins', async () => {
    const { connect } = await start({ maxAuthFailures: 2 });
    const client = await connect();
    await client.command('USER alice');
    assert.equal(await client.command('PASS wrong'), '-ERR [AUTH] Authentication failed.');
    await client.command('USER alice');
    assert.equal(await client.command('PASS wrong'), '-ERR [AUTH] Authentication failed.');
    await client.closed();
  });

  it('lets sessions finish within the grace period, then shuts the rest down', async () => {
    const { connect, server, port, store } = await start({});
    const finishing = await loginAlice(connect);
    const idle = await connect();
    const closing = server.close({ graceMs: 300 });
    // A new connection is refused once close() has begun.
    await assert.rejects(RawClient.connect({ port }));
    await finishing.command('DELE 1');
    assert.equal(await finishing.command('QUIT'), '+OK Logging out. 2 messages left');
    assert.equal(await idle.line(), '-ERR [SYS/TEMP] Server shutting down');
    await idle.closed();
    await closing;
    assert.equal(server.connections, 0);
    assert.equal(store.messages('alice').length, 2);
  });
});
