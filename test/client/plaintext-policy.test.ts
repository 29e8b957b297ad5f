// The client's plaintext policies for a host that is not loopback: STLS required by default,
// and no credentials over plaintext without allowInsecureAuth. Tests talk only to 127.0.0.1:
// the client is given a remote host name and reaches the scripted server through
// createConnection, which makes it judge loopback by the host name alone.
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import {
  Pop3Client as Client,
  type ConnectOptions,
  type Pop3Client,
  Pop3SecurityError,
} from '../../src/index.js';
import { playScript, type ScriptedServer, type Step } from '../helpers/scripted-server.js';
import { APOP_GREETING, CAPS, capaSteps, clientTls, loginSteps, opening, QUIT } from './support.js';

const REMOTE_HOST = 'pop.example.com';
// The test certificate names localhost, not the remote host name.
const remoteTls = () => ({ ...clientTls(), servername: 'localhost' });

/** Connects as if to pop.example.com, through a socket to the local scripted server. */
function connect(server: ScriptedServer, options: Partial<ConnectOptions> = {}): Promise<Pop3Client> {
  return Client.connect({
    host: REMOTE_HOST,
    port: server.port,
    timeout: 3000,
    createConnection: () => net.connect(server.port, server.host),
    ...options,
  });
}

describe('plaintext policy for a non-loopback host', () => {
  const remote = (steps: Step[], body: (server: ScriptedServer) => Promise<void>) =>
    playScript(steps, {}, body);

  it("refuses a server that does not offer STLS by default, naming starttls: 'never'", async () => {
    await remote(opening(), async (server) => {
      const error = await connect(server).catch((e: unknown) => e);
      assert.ok(error instanceof Pop3SecurityError, `got ${String(error)}`);
      assert.equal(error.code, 'POP3_SECURITY_ERROR');
      assert.match(error.message, /starttls: 'never'/);
      await server.ended;
    });
  });

  it('upgrades with STLS by default and then allows credentials', async () => {
    const steps: Step[] = [
      ...opening([...CAPS, 'STLS']),
      { expect: 'STLS\r\n' },
      { send: '+OK\r\n' },
      { startTls: true },
      ...capaSteps(CAPS),
      ...loginSteps(),
      ...QUIT,
    ];
    await remote(steps, async (server) => {
      const client = await connect(server, { tls: remoteTls() });
      assert.equal(client.secure, true);
      await client.login({ user: 'alice', pass: 'secret' });
      await client.quit();
    });
  });

  it('refuses every way of sending credentials over plaintext, before writing anything', async () => {
    const steps: Step[] = [
      ...opening(CAPS, APOP_GREETING),
      { expect: 'NOOP\r\n' },
      { send: '+OK\r\n' },
      ...QUIT,
    ];
    await remote(steps, async (server) => {
      const client = await connect(server, { starttls: 'never' });
      const attempts: Array<[string, (c: Pop3Client) => Promise<unknown>]> = [
        ['USER', (c) => c.user('alice')],
        ['PASS', (c) => c.pass('secret')],
        ['APOP', (c) => c.apop('alice', 'secret')],
        ['RPOP', (c) => c.rpop('alice')],
        ['AUTH', (c) => c.auth('PLAIN', { user: 'alice', pass: 'secret' })],
        ['login', (c) => c.login({ user: 'alice', pass: 'secret' })],
      ];
      for (const [what, attempt] of attempts) {
        const error = await attempt(client).catch((e: unknown) => e);
        assert.ok(error instanceof Pop3SecurityError, `${what}: got ${String(error)}`);
        assert.match(error.message, /allowInsecureAuth/);
      }
      // The script expects NOOP next: a byte of any refused command would fail it.
      assert.equal(await client.noop(), '');
      await client.quit();
    });
  });

  it('refuses credentials given to connect over plaintext', async () => {
    await remote(opening(), async (server) => {
      const error = await connect(server, {
        starttls: 'never',
        auth: { user: 'alice', pass: 'secret' },
      }).catch((e: unknown) => e);
      assert.ok(error instanceof Pop3SecurityError, `got ${String(error)}`);
      await server.ended;
    });
  });

  it('sends credentials over plaintext when allowInsecureAuth says so', async () => {
    await remote([...opening(), ...loginSteps(), ...QUIT], async (server) => {
      const client = await connect(server, { starttls: 'never', allowInsecureAuth: true });
      assert.equal(client.secure, false);
      await client.user('alice');
      await client.pass('secret');
      assert.equal(client.state, 'transaction');
      await client.quit();
    });
  });
});
