// `pop3kit info` against pop3kit/server with STLS and with implicit TLS (the test CA's
// certificates), and the capability descriptions in words.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeCapability } from '../../src/cli/info/capabilities.js';
import { getTestCerts, type TestCerts } from '../helpers/certs.js';
import { closedPort, runCli, startServer, TempDir, type TestServer } from './helpers.js';

describe('pop3kit info', () => {
  let dir: TempDir;
  let home: string;
  let certs: TestCerts;
  let stls: TestServer;
  let implicit: TestServer;
  const info = (args: string[], env?: Record<string, string>) => runCli(['info', ...args], { home, env });

  before(async () => {
    dir = new TempDir();
    home = dir.sub('home');
    certs = getTestCerts();
    const tls = { key: certs.keyPem, cert: certs.certPem };
    stls = await startServer(undefined, { tls, greeting: 'pop3kit test server ready.' });
    implicit = await startServer(undefined, { tls, secure: true });
  });
  after(async () => {
    await Promise.all([stls.close(), implicit.close()]);
    dir.remove();
  });

  it('shows the greeting, STLS, the certificate and the capabilities before and after STLS and login', async () => {
    const { code, stdout, stderr } = await info(
      [
        '--host',
        'localhost',
        '--port',
        String(stls.port),
        '--ca',
        certs.caFile,
        '--user',
        'alice',
        '--password-env',
        'PW',
      ],
      { PW: 'secret' },
    );
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`^POP3 server localhost port ${stls.port}\n`));
    assert.match(stdout, /\n {2}Greeting: +pop3kit test server ready\./);
    assert.match(stdout, /\n {2}Security: +STLS, upgraded to TLS \(TLSv1\.[23], [A-Z0-9_-]+\)\n/);
    assert.match(stdout, /\nTLS certificate \(trusted, name matches\):\n/);
    assert.match(stdout, /\n {2}Subject: +CN=localhost\n/);
    assert.match(stdout, /\n {2}Issuer: +CN=pop3kit test CA\n/);
    assert.match(stdout, /\n {2}Valid: +\d{4}-\d\d-\d\dT.* to \d{4}-.*\(expires in \d+ days\)\n/);
    assert.match(stdout, /\n {2}Names: +DNS:localhost, IP Address:127\.0\.0\.1/);
    assert.match(stdout, /\n {2}SHA-256: +([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
    assert.match(
      stdout,
      /\nCapabilities before STLS and login:\n(.*\n)* {2}STLS +TLS can be started on this connection \(STLS\)\n/,
    );
    assert.match(
      stdout,
      /\nCapabilities after STLS, before login:\n(.*\n)* {2}USER +login with USER\/PASS\n/,
    );
    assert.match(
      stdout,
      /\nCapabilities after login as alice:\n(.*\n)* {2}PIPELINING +commands can be pipelined/,
    );
    assert.match(stdout, /\nLogin mechanisms: USER, APOP, .*SCRAM-SHA-256/);
    assert.match(stdout, /\nLogged in as alice\.\n$/);
  });

  it('shows implicit TLS, and prints a JSON report with --json', async () => {
    const { code, stdout, stderr } = await info([
      '--host',
      '127.0.0.1',
      '--port',
      String(implicit.port),
      '--secure',
      '--ca',
      certs.caFile,
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    assert.equal(report.security, 'implicit TLS');
    assert.match(String(report.greeting), /^pop3kit ready\. <[^>]+>$/);
    const tls = report.tls as { trusted: boolean; protocol: string; certificate: { subject: string } };
    assert.equal(tls.trusted, true);
    assert.match(tls.protocol, /^TLSv1\.[23]$/);
    assert.equal(tls.certificate.subject, 'CN=localhost');
    const stages = report.stages as { stage: string; capabilities: Record<string, string[]> }[];
    assert.deepEqual(
      stages.map((s) => s.stage),
      ['before login'],
    );
    assert.ok(!('STLS' in stages[0]!.capabilities));
    assert.equal(report.exitCode, 0);
  });

  it('shows a certificate it cannot trust, and exits 4', async () => {
    const { code, stdout, stderr } = await info([
      '--host',
      '127.0.0.1',
      '--port',
      String(implicit.port),
      '--secure',
    ]);
    assert.equal(code, 4);
    assert.match(stdout, /\nTLS certificate \(not trusted: [A-Z_]+\):\n {2}Subject: +CN=localhost/);
    assert.match(stderr, /pop3kit info: tls failure: /);
  });

  it('exits 3 when the login fails, after showing what it learnt', async () => {
    const { code, stdout, stderr } = await info(
      [
        '--host',
        '127.0.0.1',
        '--port',
        String(stls.port),
        '--ca',
        certs.caFile,
        '--user',
        'alice',
        '--password-env',
        'PW',
      ],
      { PW: 'wrong' },
    );
    assert.equal(code, 3);
    assert.match(stdout, /Capabilities after STLS, before login:/);
    assert.match(stderr, /pop3kit info: auth failure: .*Authentication failed/);
  });

  it('exits 4 when nothing listens, 2 on a usage error', async () => {
    const refused = await info(['--host', '127.0.0.1', '--port', String(await closedPort())]);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /network failure: .*ECONNREFUSED/);
    const usage = await info(['--port', '110']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /required option '--host <host>' not specified/);
  });

  it('refuses an empty --user as a usage error, as fetch does', async () => {
    const empty = await info(['--host', '127.0.0.1', '--user', '']);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--user/);
  });

  it('describes EXPIRE and LOGIN-DELAY in words (RFC 2449 §6.7, §6.8)', () => {
    assert.equal(describeCapability('EXPIRE', ['30']), 'messages are kept 30 days');
    assert.equal(describeCapability('EXPIRE', ['1']), 'messages are kept 1 day');
    assert.equal(describeCapability('EXPIRE', ['NEVER']), 'messages are kept until deleted');
    assert.equal(
      describeCapability('EXPIRE', ['0']),
      'messages are deleted once retrieved: mail cannot be left on the server',
    );
    assert.equal(
      describeCapability('EXPIRE', ['60', 'USER']),
      'messages are kept 60 days by default (each user may differ: log in to see yours)',
    );
    assert.equal(describeCapability('LOGIN-DELAY', ['900']), 'at least 15 minutes between logins');
    assert.equal(describeCapability('LOGIN-DELAY', ['3600']), 'at least 1 hour between logins');
    assert.equal(describeCapability('LOGIN-DELAY', ['45']), 'at least 45 seconds between logins');
    assert.equal(describeCapability('SASL', ['PLAIN', 'SCRAM-SHA-256']), 'SASL login: PLAIN SCRAM-SHA-256');
    assert.equal(
      describeCapability('UTF8', ['USER']),
      'UTF-8 mail (RFC 6856), and UTF-8 user names and passwords',
    );
    assert.equal(describeCapability('X-UNKNOWN', ['a', 'b']), 'a b');
  });
});
