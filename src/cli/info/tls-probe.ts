/**
 * The server's TLS certificate, through a connection of its own: Pop3Client does not expose
 * its peer certificate, and `pop3kit info` shows an untrusted one too.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface CertificateInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly validFrom: string;
  readonly validTo: string;
  readonly subjectAltName: string | null;
  readonly serialNumber: string;
  readonly fingerprint256: string;
}

export interface TlsInfo {
  readonly protocol: string | null;
  readonly cipher: string;
  /** The chain leads to a trusted CA and the name matches: what pop3kit fetch requires. */
  readonly trusted: boolean;
  readonly problem: string | null;
  readonly certificate: CertificateInfo | null;
}

/** Reads one CRLF line from a plain socket (the probe's greeting and STLS reply). */
function readLine(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf(10);
      if (end < 0 && buffered.length < 8192) return;
      cleanup();
      resolve(
        buffered
          .subarray(0, end < 0 ? buffered.length : end)
          .toString('latin1')
          .replace(/\r$/, ''),
      );
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('the server closed the connection'));
    };
    const cleanup = () => {
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('error', reject);
      socket.pause();
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('error', reject);
    socket.resume();
  });
}

function certificateInfo(cert: tls.PeerCertificate): CertificateInfo {
  const dn = (fields: tls.Certificate) =>
    Object.entries(fields)
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
      .join(', ');
  return {
    subject: dn(cert.subject),
    issuer: dn(cert.issuer),
    validFrom: new Date(cert.valid_from).toISOString(),
    validTo: new Date(cert.valid_to).toISOString(),
    subjectAltName: cert.subjectaltname ?? null,
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
  };
}

/**
 * The server's certificate, with verification done but not enforced, so an untrusted one can
 * still be shown. Pop3Client does not expose its peer certificate, hence a connection of its own.
 */
export async function probeTls(
  host: string,
  port: number,
  stls: boolean,
  ca: tls.ConnectionOptions,
  timeout: number,
): Promise<TlsInfo> {
  let plain: net.Socket | undefined;
  const deadline = timeout > 0 ? AbortSignal.timeout(timeout) : undefined;
  const guard = <T>(promise: Promise<T>): Promise<T> =>
    deadline
      ? Promise.race([
          promise,
          new Promise<never>((_, reject) =>
            deadline.addEventListener('abort', () => reject(new Error(`no answer within ${timeout} ms`))),
          ),
        ])
      : promise;
  try {
    if (stls) {
      const socket = net.connect({ host, port });
      plain = socket;
      const greeting = await guard(readLine(socket));
      if (!greeting.startsWith('+OK')) throw new Error(`greeting: ${greeting}`);
      socket.write('STLS\r\n');
      const reply = await guard(readLine(socket));
      if (!reply.startsWith('+OK')) throw new Error(`STLS refused: ${reply}`);
    }
    const secure = tls.connect({
      ...ca,
      host,
      ...(plain ? { socket: plain } : { port }),
      ...(net.isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
    });
    try {
      await guard(
        new Promise<void>((resolve, reject) => {
          secure.once('secureConnect', resolve);
          secure.once('error', reject);
        }),
      );
      const cert = secure.getPeerCertificate();
      const hasCert = cert !== undefined && Object.keys(cert).length > 0;
      const nameError = hasCert ? tls.checkServerIdentity(host, cert) : undefined;
      const problem = secure.authorizationError
        ? `not trusted: ${secure.authorizationError}`
        : nameError
          ? `wrong name: ${nameError.message}`
          : null;
      if (!secure.destroyed) secure.end('QUIT\r\n');
      return {
        protocol: secure.getProtocol(),
        cipher: secure.getCipher().standardName ?? secure.getCipher().name,
        trusted: problem === null,
        problem,
        certificate: hasCert ? certificateInfo(cert) : null,
      };
    } finally {
      setImmediate(() => secure.destroy());
    }
  } finally {
    plain?.destroy();
  }
}
