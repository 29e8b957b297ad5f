import net from 'node:net';
import type tls from 'node:tls';
import { Pop3ConnectionError, Pop3Error, Pop3TimeoutError, Pop3TlsError } from '../errors.js';

export interface TransportOptions {
  readonly host: string;
  readonly port: number;
  /** Implicit TLS (RFC 8314), poplib's POP3_SSL. */
  readonly secure: boolean;
  readonly tls: tls.ConnectionOptions | undefined;
  readonly connectTimeout: number;
  readonly signal: AbortSignal | undefined;
  /** The caller's own connection (proxy, tunnel); TLS is layered on it when `secure`. */
  readonly createConnection?: ((options: { host: string; port: number }) => net.Socket) | undefined;
}

/** OpenSSL/Node error codes that mean the peer's certificate or the handshake was refused. */
const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|HOSTNAME_MISMATCH|ERR_OSSL)/;

/** Wraps a socket-level failure in the pop3kit class a caller can act on. */
export function wrapSocketError(error: unknown, during: string): Pop3Error {
  if (error instanceof Pop3Error) return error;
  const err = error as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : '';
  const message = `${during}: ${err?.message ?? String(error)}`;
  if (TLS_CODES.test(code) || /certificate|handshake|SSL|TLS/i.test(err?.message ?? '')) {
    return new Pop3TlsError(message, { cause: error });
  }
  return new Pop3ConnectionError(message, { cause: error });
}

/** TLS options with pop3kit's defaults: verification on, SNI only for names (RFC 6066 §3). */
export function tlsOptionsFor(
  host: string,
  options: tls.ConnectionOptions | undefined,
): tls.ConnectionOptions {
  const servername = options?.servername ?? (net.isIP(host) ? undefined : host);
  return { rejectUnauthorized: true, ...options, ...(servername ? { servername } : {}) };
}

/** node:tls on first use: a plain session (loopback tests, port 110 without STLS) never
 * pays for loading it. */
export function loadTls(): Promise<typeof tls> {
  return import('node:tls');
}

/** Opens TCP or implicit TLS; resolves once the socket (and handshake) is ready. */
export async function openSocket(options: TransportOptions): Promise<net.Socket> {
  const { host, port, secure, connectTimeout, signal } = options;
  const tlsModule = secure ? await loadTls() : undefined;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Pop3ConnectionError('connect aborted', { cause: signal.reason }));
      return;
    }
    let socket: net.Socket;
    try {
      const own = options.createConnection?.({ host, port });
      if (secure)
        socket = tlsModule!.connect({
          ...tlsOptionsFor(host, options.tls),
          host,
          port,
          ...(own ? { socket: own } : {}),
        });
      else socket = own ?? net.connect({ host, port });
    } catch (error) {
      reject(wrapSocketError(error, `connecting to ${host}:${port}`));
      return;
    }
    const readyEvent = secure ? 'secureConnect' : 'connect';
    // A socket of the caller's that is already connected will not emit 'connect' again.
    if (!secure && !socket.connecting && socket.readyState === 'open') {
      socket.setNoDelay(true);
      resolve(socket);
      return;
    }
    const timer =
      connectTimeout > 0
        ? setTimeout(() => fail(new Pop3TimeoutError('connect', connectTimeout)), connectTimeout)
        : undefined;
    const onAbort = () => fail(new Pop3ConnectionError('connect aborted', { cause: signal?.reason }));
    const onError = (error: Error) => fail(wrapSocketError(error, `connecting to ${host}:${port}`));
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', onError);
      socket.removeListener(readyEvent, onReady);
    };
    function fail(error: Error) {
      cleanup();
      socket.destroy();
      reject(error);
    }
    function onReady() {
      cleanup();
      socket.setNoDelay(true);
      resolve(socket);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once(readyEvent, onReady);
  });
}
