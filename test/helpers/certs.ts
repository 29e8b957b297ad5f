// Test PKI made with the openssl CLI: a CA, a server certificate it signs for localhost,
// 127.0.0.1 and ::1, one it signs for another name only, and an unrelated self-signed one.
// Made once per process (openssl takes a few ms per key with EC P-256) and kept in a temp dir
// that is removed when the process exits.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One certificate with its key, as PEM text and as files (Dovecot and openssl want paths). */
export interface CertPair {
  readonly certPem: string;
  readonly certFile: string;
  readonly keyPem: string;
  readonly keyFile: string;
}

export interface TestCerts extends CertPair {
  /** Directory holding every file below. */
  readonly dir: string;
  /** The test CA: pass as `tls.ca` to trust `certPem`, `wrongHost` (but not `untrusted`). */
  readonly caPem: string;
  readonly caFile: string;
  readonly caKeyFile: string;
  /** Signed by the test CA for DNS:wrong.example only: fails hostname verification. */
  readonly wrongHost: CertPair;
  /** Self-signed for localhost, 127.0.0.1 and ::1, by no CA the tests trust. */
  readonly untrusted: CertPair;
}

let cached: TestCerts | undefined;

/** Whether the openssl CLI can be run (the helpers that need it skip otherwise). */
export function opensslAvailable(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Returns the test PKI, generating it on the first call in this process. */
export function getTestCerts(): TestCerts {
  cached ??= generate();
  return cached;
}

const LOCAL_SAN = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1';

function generate(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'pop3kit-certs-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => join(dir, name);

  selfSigned(dir, 'ca', '/CN=pop3kit test CA', [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const server = leaf(dir, 'server', '/CN=localhost', LOCAL_SAN, true);
  const wrongHost = leaf(dir, 'wrong-host', '/CN=wrong.example', 'subjectAltName=DNS:wrong.example', true);
  // Self-signed with its own key, so no chain leads to the test CA, yet the names match.
  const untrusted = leaf(dir, 'untrusted', '/CN=localhost', LOCAL_SAN, false);

  return {
    dir,
    caPem: readFileSync(file('ca.pem'), 'utf8'),
    caFile: file('ca.pem'),
    caKeyFile: file('ca.key'),
    ...server,
    wrongHost,
    untrusted,
  };
}

/** A server certificate, signed by the test CA or self-signed. */
function leaf(dir: string, name: string, subject: string, san: string, signedByCa: boolean): CertPair {
  const exts = [
    san,
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
  ];
  // OpenSSL 3's `req -x509 -CA` issues a CA-signed certificate in one call, without a CSR.
  const ca = signedByCa ? ['-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key')] : [];
  selfSigned(dir, name, subject, exts, ca);
  return pair(dir, name);
}

function selfSigned(dir: string, name: string, subject: string, exts: string[], extra: string[] = []): void {
  const keyFile = join(dir, `${name}.key`);
  // EC P-256: generating it takes milliseconds, where RSA 2048 can take a good part of a second.
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
  const args = ['req', '-x509', '-new', '-key', keyFile, '-out', join(dir, `${name}.pem`)];
  args.push('-days', '3650', '-subj', subject, ...extra);
  for (const ext of exts) args.push('-addext', ext);
  openssl(args);
}

function pair(dir: string, name: string): CertPair {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  return {
    certFile,
    keyFile,
    certPem: readFileSync(certFile, 'utf8'),
    keyPem: readFileSync(keyFile, 'utf8'),
  };
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr || String(err)}`, { cause: err });
  }
}
