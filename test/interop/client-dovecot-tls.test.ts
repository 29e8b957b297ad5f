// The pop3kit client against a real Dovecot over TLS: STLS (RFC 2595 §4) in each starttls mode,
// implicit TLS (RFC 8314), and certificate and host name verification against the test CA.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ConnectOptions, Pop3Client, Pop3StateError, Pop3TlsError } from '../../src/index.js';
import { getTestCerts } from '../helpers/certs.js';
import { type DovecotInstance, dovecotSkipReason, startDovecot } from '../helpers/dovecot.js';

const ALICE = { user: 'alice', pass: 'alice-pass', mechanism: 'USER' };

/**
 * A server certificate signed by the test CA for DNS:localhost only, without the IP SANs of
 * the harness's certificate: valid for "localhost", not for "127.0.0.1".
 */
function localhostOnlyCert(dir: string): { certFile: string; keyFile: string } {
  const ca = getTestCerts();
  const keyFile = join(dir, 'localhost-only.key');
  const certFile = join(dir, 'localhost-only.pem');
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  openssl([
    ...['req', '-x509', '-new', '-key', keyFile, '-out', certFile, '-days', '30', '-subj', '/CN=localhost'],
    ...['-CA', ca.caFile, '-CAkey', ca.caKeyFile],
    ...['-addext', 'subjectAltName=DNS:localhost', '-addext', 'basicConstraints=critical,CA:FALSE'],
    ...['-addext', 'keyUsage=critical,digitalSignature', '-addext', 'extendedKeyUsage=serverAuth'],
  ]);
  return { certFile, keyFile };
}

/** Resolves to the error `connect` fails with; closes and fails the test if it connects. */
async function connectError(options: ConnectOptions): Promise<unknown> {
  const client = await Pop3Client.connect(options).catch((error: unknown) => error);
  if (client instanceof Pop3Client) {
    client.close();
    assert.fail(`connected (secure: ${client.secure}) where TLS verification should have failed`);
  }
  return client;
}

function assertTlsError(error: unknown, causeCode: string): void {
  assert.ok(error instanceof Pop3TlsError, `got ${String(error)}`);
  assert.equal(error.code, 'POP3_TLS_ERROR');
  assert.equal((error.cause as NodeJS.ErrnoException | undefined)?.code, causeCode, error.message);
}

const skip = dovecotSkipReason();
describe('Pop3Client against Dovecot: STLS and implicit TLS', { skip }, () => {
  let dovecot: DovecotInstance;
  let wrongHost: DovecotInstance;
  let localhostOnly: DovecotInstance;
  let certDir: string;
  const plain = (d: DovecotInstance, extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
    host: d.host,
    port: d.port,
    timeout: 10_000,
    ...extra,
  });
  const implicit = (d: DovecotInstance, extra: Partial<ConnectOptions> = {}): ConnectOptions =>
    plain(d, { port: d.securePort, secure: true, ...extra });

  before(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'pop3kit-client-tls-'));
    const cert = localhostOnlyCert(certDir);
    const [valid, otherHost, localhost] = await Promise.all([
      startDovecot(),
      startDovecot({ cert: 'wrongHost' }),
      startDovecot({ extraConfig: `ssl_cert = <${cert.certFile}\nssl_key = <${cert.keyFile}` }),
    ]);
    assert.ok(
      valid && otherHost && localhost,
      'startDovecot returned undefined although dovecot is installed',
    );
    [dovecot, wrongHost, localhostOnly] = [valid, otherHost, localhost];
  });

  after(async () => {
    await Promise.all([dovecot?.stop(), wrongHost?.stop(), localhostOnly?.stop()]);
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  });

  describe('STLS', () => {
    it('upgrades by default on loopback when the test CA is trusted', async () => {
      await using client = await Pop3Client.connect(plain(dovecot, { tls: { ca: dovecot.caPem } }));
      assert.equal(client.secure, true);
      assert.equal(client.capabilities.stls, false, 'CAPA was read again after the upgrade');
      assert.ok(!('STLS' in (await client.capa())));
      await client.login(ALICE);
      assert.deepEqual(await client.stat(), { count: 0, size: 0 });
    });

    it("upgrades with starttls: 'required' before logging in", async () => {
      await using client = await Pop3Client.connect(
        plain(dovecot, { starttls: 'required', tls: { ca: dovecot.caPem }, auth: ALICE }),
      );
      assert.equal(client.secure, true);
      assert.equal(client.state, 'transaction');
    });

    it("stays in plaintext with starttls: 'never', where Dovecot offers STLS", async () => {
      await using client = await Pop3Client.connect(plain(dovecot, { starttls: 'never' }));
      assert.equal(client.secure, false);
      assert.equal(client.capabilities.stls, true);
      await client.login(ALICE);
      assert.equal(client.state, 'transaction');
    });

    it('stls() upgrades a plaintext session by hand and reads CAPA again', async () => {
      await using client = await Pop3Client.connect(plain(dovecot, { starttls: 'never' }));
      assert.equal(typeof (await client.stls({ ca: dovecot.caPem })), 'string');
      assert.equal(client.secure, true);
      assert.equal(client.capabilities.stls, false);
      const error = await client.stls({ ca: dovecot.caPem }).catch((e: unknown) => e);
      assert.ok(error instanceof Pop3StateError, `got ${String(error)}`);
      await client.login(ALICE);
      assert.equal(client.state, 'transaction');
    });

    it('verifies the certificate even when opportunistic: without the test CA it fails with Pop3TlsError', async () => {
      assertTlsError(await connectError(plain(dovecot)), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    it('fails with Pop3TlsError when the certificate is for another host', async () => {
      const error = await connectError(plain(wrongHost, { tls: { ca: wrongHost.caPem } }));
      assertTlsError(error, 'ERR_TLS_CERT_ALTNAME_INVALID');
    });

    it('checks the certificate against the IP address connected to, not "localhost"', async () => {
      // The certificate names localhost only; the client connected to 127.0.0.1.
      const error = await connectError(plain(localhostOnly, { tls: { ca: localhostOnly.caPem } }));
      assertTlsError(error, 'ERR_TLS_CERT_ALTNAME_INVALID');
      assert.match((error as Error).message, /127\.0\.0\.1/);
    });

    it('accepts a certificate for the name given as tls.servername', async () => {
      const tls = { ca: localhostOnly.caPem, servername: 'localhost' };
      await using client = await Pop3Client.connect(plain(localhostOnly, { tls, auth: ALICE }));
      assert.equal(client.secure, true);
      assert.equal(client.state, 'transaction');
    });
  });

  describe('implicit TLS', () => {
    it('connects to the secure port, verifying the certificate against the test CA', async () => {
      await using client = await Pop3Client.connect(implicit(dovecot, { tls: { ca: dovecot.caPem } }));
      assert.equal(client.secure, true);
      assert.match(client.welcome, /^Dovecot .*ready/);
      assert.equal(client.capabilities.stls, false, 'no STLS on an implicit TLS port');
      const error = await client.stls().catch((e: unknown) => e);
      assert.ok(error instanceof Pop3StateError, `got ${String(error)}`);
      await client.login(ALICE);
      assert.deepEqual(await client.stat(), { count: 0, size: 0 });
    });

    it('fails with Pop3TlsError without the test CA', async () => {
      assertTlsError(await connectError(implicit(dovecot)), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    it('fails with Pop3TlsError when the certificate is for another host', async () => {
      const error = await connectError(implicit(wrongHost, { tls: { ca: wrongHost.caPem } }));
      assertTlsError(error, 'ERR_TLS_CERT_ALTNAME_INVALID');
      assert.match((error as Error).message, /127\.0\.0\.1/);
    });

    it('checks the certificate against the IP address connected to, not "localhost"', async () => {
      const error = await connectError(implicit(localhostOnly, { tls: { ca: localhostOnly.caPem } }));
      assertTlsError(error, 'ERR_TLS_CERT_ALTNAME_INVALID');
    });

    it('accepts a certificate for the name given as tls.servername', async () => {
      const tls = { ca: localhostOnly.caPem, servername: 'localhost' };
      await using client = await Pop3Client.connect(implicit(localhostOnly, { tls, auth: ALICE }));
      assert.equal(client.secure, true);
      assert.equal(client.state, 'transaction');
    });
  });
});
