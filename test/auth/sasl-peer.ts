// A scripted POP3 peer for the AUTH tests: one connection, a conversation written as code or
// as a transcript ("S: " lines it sends, "C: " lines it expects byte for byte). Any mismatch,
// a line not ended by CRLF, or a line after the conversation ended fails `finished()`.
import * as net from 'node:net';
import type { ConnectOptions } from '../../src/client/options.js';
import { Pop3Client } from '../../src/client/pop3-client.js';

export interface PeerConnection {
  /** Writes the lines, each followed by CRLF, in one write. */
  send(...lines: string[]): void;
  /** The next line from the client, without its CRLF. Throws once the client has closed. */
  read(): Promise<string>;
  /** Reads a line and throws unless it is exactly `line`. */
  expect(line: string): Promise<void>;
  /** Plays a transcript: "S: text" is sent, "C: text" is expected. */
  run(transcript: readonly string[]): Promise<void>;
  /** Waits for the client to close the connection; throws if it sends a line instead. */
  expectClose(): Promise<void>;
  /** Closes the connection from the server side. */
  end(): void;
}

export interface Peer {
  readonly port: number;
  /** Every line the client sent, in order, without CRLF. */
  readonly received: readonly string[];
  /** Settles once the conversation is over and the client has closed the connection. */
  finished(): Promise<void>;
  /** Why the conversation failed (a mismatch), as soon as it did. */
  readonly failure: Error | undefined;
  close(): Promise<void>;
}

const CRLF = '\r\n';

export async function startPeer(converse: (conn: PeerConnection) => Promise<void>): Promise<Peer> {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = {
      resolve,
      reject: (error) => {
        failure ??= error;
        reject(error);
      },
    };
  });
  // Node reports an unhandled rejection only if nobody ever awaits it; tests always do.
  done.catch(() => {});
  let accepted = false;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (accepted) {
      settle?.reject(new Error('the peer accepts one connection only'));
      socket.destroy();
      return;
    }
    accepted = true;
    const conn = new Connection(socket, received);
    void (async () => {
      try {
        await converse(conn);
        await conn.expectClose();
        settle?.resolve();
      } catch (error) {
        socket.destroy();
        settle?.reject(error as Error);
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    received,
    get failure() {
      return failure;
    },
    finished: () => done,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

class Connection implements PeerConnection {
  readonly #socket: net.Socket;
  readonly #received: string[];
  #buffer = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(socket: net.Socket, received: string[]) {
    this.#socket = socket;
    this.#received = received;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    const onGone = () => {
      this.#closed = true;
      this.#wake?.();
    };
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
  }

  send(...lines: string[]): void {
    if (!this.#closed) this.#socket.write(lines.map((line) => line + CRLF).join(''));
  }

  async read(): Promise<string> {
    for (;;) {
      const lf = this.#buffer.indexOf(0x0a);
      if (lf >= 0) {
        const raw = this.#buffer.subarray(0, lf + 1);
        this.#buffer = this.#buffer.subarray(lf + 1);
        const text = raw.toString('latin1');
        if (!text.endsWith(CRLF) || text.slice(0, -2).includes('\r')) {
          throw new Error(`client line not ended by a lone CRLF: ${JSON.stringify(text)}`);
        }
        const line = text.slice(0, -2);
        this.#received.push(line);
        return line;
      }
      if (this.#closed) throw new Error('the client closed the connection');
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async expect(line: string): Promise<void> {
    const got = await this.read();
    if (got !== line) {
      throw new Error(`expected client line ${JSON.stringify(line)}, got ${JSON.stringify(got)}`);
    }
  }

  async run(transcript: readonly string[]): Promise<void> {
    for (const step of transcript) {
      if (step.startsWith('S: ')) this.send(step.slice(3));
      else if (step.startsWith('C: ')) await this.expect(step.slice(3));
      else throw new Error(`transcript step must start with "S: " or "C: ": ${step}`);
    }
  }

  async expectClose(): Promise<void> {
    for (;;) {
      if (this.#buffer.length > 0) {
        const extra = this.#buffer.toString('latin1');
        throw new Error(`client sent ${JSON.stringify(extra)} after the conversation ended`);
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  end(): void {
    this.#socket.end();
  }
}

/** The greeting and the CAPA exchange every connection starts with. */
export function greeting(capa: readonly string[], text = '+OK POP3 ready'): string[] {
  return [`S: ${text}`, 'C: CAPA', 'S: +OK Capability list follows', ...capa.map((c) => `S: ${c}`), 'S: .'];
}

/** The client reads CAPA again after a successful login. */
export const CAPA_AFTER_LOGIN: readonly string[] = ['C: CAPA', 'S: +OK', 'S: USER', 'S: .'];

export const b64 = (text: string | Buffer): string =>
  (typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('base64');

/** Connects to the peer; the timeout only keeps a broken test from hanging. */
export function connectTo(peer: Peer, options: Partial<ConnectOptions> = {}): Promise<Pop3Client> {
  return Pop3Client.connect({ host: '127.0.0.1', port: peer.port, timeout: 5000, ...options });
}

/**
 * Runs `body` against a peer playing `converse`, then checks the peer's side: the client must
 * close the connection when `body` is done (the client is closed here if still open).
 */
export async function withPeer(
  converse: (conn: PeerConnection) => Promise<void>,
  body: (peer: Peer) => Promise<void>,
): Promise<void> {
  const peer = await startPeer(converse);
  try {
    try {
      await body(peer);
    } catch (error) {
      // A client error is usually the echo of a script mismatch: report the mismatch.
      if (peer.failure) throw new Error(`scripted server: ${peer.failure.message}`, { cause: error });
      throw error;
    }
    await peer.finished();
  } finally {
    await peer.close();
  }
}
