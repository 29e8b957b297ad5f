import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Pop3AuthError, Pop3Client, Pop3ServerError } from '../../src/index.js';
import { CrlfNormaliser } from '../../src/protocol/line-ends.js';
import { MaildirStore, Pop3Server } from '../../src/server/index.js';
import { getTestCerts, opensslAvailable } from '../helpers/certs.js';
import { type InteropServer, startInteropServer } from './helpers/interop.js';

const skip = opensslAvailable()
  ? false
  : 'the openssl CLI is needed for test certificates (apt package openssl)';

/** What the wire carries for a Maildir file: the client keeps the server's CRLF line ends. */
const onWire = (message: Buffer): Buffer => Buffer.from(new CrlfNormaliser().push(message));

describe("pop3kit's own client against the server", { skip }, () => {
  let env: InteropServer;
  let secureEnv: { server: Pop3Server; port: number };

  before(async () => {
    env = await startInteropServer();
    // The same Maildir served over implicit TLS (POP3S) by a second server.
    const certs = getTestCerts();
    const server = new Pop3Server({
      store: new MaildirStore(env.maildirs.root),
      users: { alice: 'secret' },
      tls: { key: certs.keyPem, cert: certs.certPem },
      secure: true,
      authFailureDelay: 0,
    });
    const { port } = await server.listen();
    secureEnv = { server, port };
  });
  after(async () => {
    await secureEnv.server.close({ graceMs: 0 });
    await env.cleanup();
  });

  const ca = (): string => readFileSync(env.caFile, 'utf8');

  it('retrieves every message byte for byte over implicit TLS with pipelined RETR', async () => {
    const client = await Pop3Client.connect({
      host: '127.0.0.1',
      port: secureEnv.port,
      secure: true,
      tls: { ca: ca() },
      auth: { user: 'alice', pass: 'secret' },
    });
    assert.equal(client.secure, true);
    const uids = (await client.uidl()) as { msg: number; uid: string }[];
    assert.equal(uids.length, env.delivered.size);
    const byUid = new Map(uids.map((u) => [u.msg, u.uid]));
    const sizes = (await client.list()) as { msg: number; size: number }[];
    let seen = 0;
    for await (const { msg, data } of client.retrMany(uids.map((u) => u.msg))) {
      const original = env.delivered.get(byUid.get(msg)!)!;
      assert.deepEqual(data, onWire(original), `message ${msg}`);
      assert.equal(data.length, sizes[msg - 1]!.size, 'LIST size is the wire size');
      seen++;
    }
    assert.equal(seen, env.delivered.size);
    const top = await client.top(2, 1);
    assert.match(top.toString(), /^From: a@example.org\r\nSubject: dots\r\n\r\n\.\r\n$/);
    await client.quit();
  });

  it('logs in with each login method the server offers', async () => {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'CRAM-MD5', 'PLAIN', 'LOGIN', 'APOP', 'USER']) {
      const client = await Pop3Client.connect({
        host: '127.0.0.1',
        port: secureEnv.port,
        secure: true,
        tls: { ca: ca() },
        auth: { user: 'alice', pass: 'secret', mechanism },
      });
      assert.equal(client.state, 'transaction', mechanism);
      await client.quit();
    }
  });

  it('upgrades with STLS, gets [IN-USE] for a second session, and deletes at QUIT', async () => {
    const client = await Pop3Client.connect({
      host: '127.0.0.1',
      port: env.port,
      starttls: 'required',
      tls: { ca: ca(), servername: 'localhost' },
      auth: { user: 'alice', pass: 'secret' },
    });
    assert.equal(client.secure, true);
    await assert.rejects(
      Pop3Client.connect({
        host: '127.0.0.1',
        port: secureEnv.port,
        secure: true,
        tls: { ca: ca() },
        auth: { user: 'alice', pass: 'secret' },
      }),
      (err: unknown) => err instanceof Pop3ServerError && err.responseCode === 'IN-USE',
    );
    const { count } = await client.stat();
    await client.deleMany(Array.from({ length: count }, (_, i) => i + 1));
    assert.equal(env.maildirs.files('alice').length, count, 'nothing removed before QUIT');
    assert.match(await client.quit(), /0 messages left/);
    assert.deepEqual(env.maildirs.files('alice'), []);
  });

  it('reports a wrong password as Pop3AuthError with the AUTH code', async () => {
    await assert.rejects(
      Pop3Client.connect({
        host: '127.0.0.1',
        port: secureEnv.port,
        secure: true,
        tls: { ca: ca() },
        auth: { user: 'alice', pass: 'nope', mechanism: 'USER' },
      }),
      (err: unknown) => err instanceof Pop3AuthError && err.responseCode === 'AUTH',
    );
  });
});
