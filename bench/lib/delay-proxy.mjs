// A TCP proxy on 127.0.0.1 that holds every chunk `delayMs` before passing it on, in each
// direction: 5 ms each way is a 10 ms round trip. It forwards bytes, so TLS passes through.
import * as net from 'node:net';

/** Starts the proxy in front of 127.0.0.1:`targetPort`; resolves to `{ port, close() }`. */
export async function startDelayProxy(targetPort, delayMs) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    relay(client, upstream, delayMs);
    relay(upstream, client, delayMs);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

function relay(from, to, delayMs) {
  // Timers of one duration fire in the order they were set, so chunks keep their order.
  // A destination that backs up pauses the source, as a real link would.
  from.on('data', (chunk) => {
    setTimeout(() => {
      if (to.destroyed) return;
      if (!to.write(chunk) && !from.isPaused()) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    }, delayMs);
  });
  from.on('end', () => {
    setTimeout(() => {
      if (!to.destroyed) to.end();
    }, delayMs);
  });
}
