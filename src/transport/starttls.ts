import type net from 'node:net';
import type tls from 'node:tls';
import { Pop3TimeoutError } from '../errors.js';
import { loadTls, tlsOptionsFor, wrapSocketError } from './connect.js';

/**
 * Upgrades a plain socket after "+OK" to STLS (RFC 2595 §4). The caller has stopped reading
 * the plain socket; anything the server managed to send before the handshake is plaintext
 * injection (a MITM can append commands' replies after "+OK"), so it is read out and thrown
 * away here, and reported to the caller for logging.
 */
export async function upgradeToTls(
  socket: net.Socket,
  host: string,
  options: tls.ConnectionOptions | undefined,
  timeout: number,
): Promise<{ socket: tls.TLSSocket; discarded: number }> {
  const { connect } = await loadTls();
  let discarded = 0;
  for (let chunk = socket.read(); chunk !== null; chunk = socket.read()) discarded += chunk.length;
  // host: Node checks the certificate against it; without it, an IP literal is checked as "localhost".
  const secure = connect({ ...tlsOptionsFor(host, options), host, socket });
  await new Promise<void>((resolve, reject) => {
    const timer =
      timeout > 0 ? setTimeout(() => fail(new Pop3TimeoutError('tls', timeout)), timeout) : undefined;
    const onError = (error: Error) => fail(wrapSocketError(error, 'STLS handshake'));
    const onClose = () => fail(wrapSocketError(new Error('connection closed during handshake'), 'STLS'));
    function cleanup() {
      clearTimeout(timer);
      secure.removeListener('error', onError);
      secure.removeListener('close', onClose);
    }
    function fail(error: Error) {
      cleanup();
      secure.destroy();
      reject(error);
    }
    secure.once('error', onError);
    secure.once('close', onClose);
    secure.once('secureConnect', () => {
      cleanup();
      resolve();
    });
  });
  return { socket: secure, discarded };
}
