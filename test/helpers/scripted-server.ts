// A tiny in-process POP3 peer that plays a transcript, like MailKit's replay stream: it reads
// exactly the client bytes a step expects and writes exactly the bytes a step sends, so a client
// test asserts the wire, not just the results. Faults (close, stall, STLS injection) are steps.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { type CertPair, getTestCerts } from './certs.js';

type Bytes = string | Buffer;

export type Step =
  /** Read exactly these client bytes (across any number of reads) and compare. */
  | { readonly expect: Bytes }
  /** Read these bytes as ONE read: proof that a pipelined batch went out in one write. */
  | { readonly expectChunk: Bytes }
  /** Write these bytes in one write (in 64 KiB writes when larger). */
  | { readonly send: Bytes }
  /** Server side of STLS (RFC 2595 §4): the TLS handshake on the same connection. */
  | { readonly startTls: true }
  /** End the connection (FIN after what was sent). The script ends here. */
  | { readonly close: true }
  /** Send nothing more, keep the connection open. The script ends here. */
  | { readonly stall: true }
  /** Pause the script, e.g. so two sends arrive as two reads. */
  | { readonly wait: number };

export interface ScriptOptions {
  /** Implicit TLS from the first byte (poplib's POP3_SSL; the client passes `secure: true`). */
  readonly secure?: boolean;
  /** Certificate for implicit TLS and STLS: by default the test CA's one for localhost/127.0.0.1. */
  readonly cert?: CertPair;
  /** Loopback address to listen on (default 127.0.0.1; tests talk only to loopback). */
  readonly host?: '127.0.0.1' | '::1';
}

/** One read from the client or one write to it, in the order the server saw them. */
export interface WireEvent {
  readonly from: 'client' | 'server';
  readonly data: Buffer;
}

const SLICE = 64 * 1024;
const bytes = (b: Bytes): Buffer => (typeof b === 'string' ? Buffer.from(b, 'utf8') : b);
/** Bytes as a one-line JSON string (CR, LF, NUL visible), for diffs and messages. */
export const show = (b: Buffer): string => JSON.stringify(b.toString('latin1'));

export class ScriptedServer {
  readonly host: string;
  readonly port: number;
  /** Every client read and server write, in order. */
  readonly events: WireEvent[] = [];
  /** TLS handshakes that failed on the server side (the client refused the certificate...). */
  readonly tlsErrors: Error[] = [];
  /** Settles when the script has played to its end (or its TLS handshake failed); rejects with
   * a diff on the first mismatch. */
  readonly done: Promise<void>;
  /** Settles when the connection has closed (whoever closed it). */
  readonly ended: Promise<void>;
  /** The mismatch that failed the script, once there is one. */
  failure: Error | undefined;

  readonly #server: net.Server;
  readonly #steps: readonly Step[];
  readonly #context: tls.SecureContext;
  #socket: net.Socket | undefined;
  #finish!: (error?: Error) => void;
  #markEnded!: () => void;
  /** Client bytes not consumed by a step yet, as they arrived (chunk boundaries matter). */
  #unread: Buffer[] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  #stepIndex = 0;
  #onReceive: (() => void)[] = [];
  #unsent = 0;
  #pumps = 0;
  #writing: Promise<void> = Promise.resolve();

  private constructor(server: net.Server, steps: readonly Step[], context: tls.SecureContext) {
    this.#server = server;
    this.#steps = steps;
    this.#context = context;
    const address = server.address() as net.AddressInfo;
    this.host = address.address;
    this.port = address.port;
    this.done = new Promise<void>((resolve, reject) => {
      this.#finish = (error) => (error ? reject(error) : resolve());
    });
    this.done.catch(() => {}); // read through `done` or `failure`; never an unhandled rejection
    this.ended = new Promise<void>((resolve) => {
      this.#markEnded = resolve;
    });
  }

  /** Listens on port 0 and plays `steps` to the first connection (later ones are refused). */
  static async start(steps: readonly Step[], options: ScriptOptions = {}): Promise<ScriptedServer> {
    const cert = options.cert ?? getTestCerts();
    const context = tls.createSecureContext({ key: cert.keyPem, cert: cert.certPem });
    let self: ScriptedServer | undefined;
    const accept = (socket: net.Socket) => {
      if (self) self.#accept(socket);
    };
    const server = options.secure
      ? tls.createServer({ key: cert.keyPem, cert: cert.certPem }, accept)
      : net.createServer(accept);
    server.on('tlsClientError', (error: Error) => {
      if (!self) return;
      self.tlsErrors.push(error);
      self.#finish();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, options.host ?? '127.0.0.1', resolve);
    });
    self = new ScriptedServer(server, steps, context);
    return self;
  }

  /** Everything the client sent, in one buffer. */
  get received(): Buffer {
    return Buffer.concat(this.events.filter((e) => e.from === 'client').map((e) => e.data));
  }

  /** Client bytes that arrived but that no step consumed. */
  get unexpected(): Buffer {
    return Buffer.concat(this.#unread);
  }

  /** Bytes sent by the script but not yet taken by the kernel (stays up while the client does
   * not read). */
  get unsentBytes(): number {
    return this.#unsent;
  }

  /** Resolves once the client has sent `text` (e.g. to act after a command went out). */
  untilReceived(text: Bytes): Promise<void> {
    const wanted = bytes(text);
    return new Promise<void>((resolve) => {
      const check = () => {
        if (!this.received.includes(wanted)) return;
        this.#onReceive = this.#onReceive.filter((l) => l !== check);
        resolve();
      };
      this.#onReceive.push(check);
      check();
    });
  }

  async close(): Promise<void> {
    this.#socket?.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: net.Socket): void {
    if (this.#socket) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    this.#listen(socket);
    this.#play().then(
      () => this.#finish(),
      (error: Error) => {
        this.failure ??= error;
        this.#finish(error);
        this.#socket?.destroy(); // so a client waiting for a reply fails now, not at its timeout
      },
    );
  }

  #listen(socket: net.Socket): void {
    this.#socket = socket;
    this.#ended = false;
    socket.on('data', (chunk: Buffer) => {
      this.events.push({ from: 'client', data: chunk });
      this.#unread.push(chunk);
      this.#wake?.();
      for (const listener of this.#onReceive) listener();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#markEnded();
      this.#wake?.();
    });
    socket.on('error', () => {}); // a reset by the client shows up as 'close'
  }

  async #play(): Promise<void> {
    for (; this.#stepIndex < this.#steps.length; this.#stepIndex++) {
      const step = this.#steps[this.#stepIndex]!;
      if ('expect' in step) await this.#expect(bytes(step.expect));
      else if ('expectChunk' in step) await this.#expectChunk(bytes(step.expectChunk));
      else if ('send' in step) this.#send(bytes(step.send));
      else if ('startTls' in step) {
        if (!(await this.#startTls())) return;
      } else if ('wait' in step) await new Promise((resolve) => setTimeout(resolve, step.wait));
      else if ('close' in step) {
        await this.#writing; // after the last byte of a large send
        this.#socket!.end();
        return;
      } else return; // stall
    }
  }

  #send(data: Buffer): void {
    this.events.push({ from: 'server', data });
    this.#unsent += data.length;
    const socket = this.#socket!;
    const write = (piece: Buffer) =>
      new Promise<void>((resolve) => {
        socket.write(piece, () => {
          this.#unsent -= piece.length;
          resolve();
        });
      });
    if (data.length <= SLICE && this.#pumps === 0) {
      void write(data); // synchronously: "+OK" to STLS must be out before the handshake starts
      return;
    }
    // A large send goes out 64 KiB at a time, each after the last one reached the kernel, so
    // `unsentBytes` shows how far the client has read. Later sends queue behind it.
    this.#pumps++;
    this.#writing = this.#writing.then(async () => {
      for (let at = 0; at < data.length && !socket.destroyed; at += SLICE)
        await write(data.subarray(at, at + SLICE));
      this.#pumps--;
    });
  }

  async #expect(expected: Buffer): Promise<void> {
    let matched = 0;
    while (matched < expected.length) {
      const chunk = await this.#nextChunk(expected, matched);
      const n = Math.min(chunk.length, expected.length - matched);
      if (!chunk.subarray(0, n).equals(expected.subarray(matched, matched + n))) {
        throw this.#mismatch('client sent other bytes than expected', expected, matched);
      }
      this.#take(n);
      matched += n;
    }
  }

  async #expectChunk(expected: Buffer): Promise<void> {
    const chunk = await this.#nextChunk(expected, 0);
    if (!chunk.equals(expected)) {
      const why =
        chunk.length < expected.length && expected.subarray(0, chunk.length).equals(chunk)
          ? 'expected bytes arrived in more than one read (not one write)'
          : 'client sent other bytes than expected in one read';
      throw this.#mismatch(why, expected, 0);
    }
    this.#take(chunk.length);
  }

  /** The first unread chunk, waiting for one; fails if the connection ends first. */
  async #nextChunk(expected: Buffer, matched: number): Promise<Buffer> {
    while (this.#unread.length === 0) {
      if (this.#ended) throw this.#mismatch('connection closed by the client', expected, matched);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
    return this.#unread[0]!;
  }

  #take(n: number): void {
    const first = this.#unread[0]!;
    if (n === first.length) this.#unread.shift();
    else this.#unread[0] = first.subarray(n);
  }

  #mismatch(why: string, expected: Buffer, matched: number): assert.AssertionError {
    const actual = Buffer.concat([expected.subarray(0, matched), ...this.#unread]);
    return new assert.AssertionError({
      message: `scripted server, step ${this.#stepIndex + 1}: ${why}\n  expected ${show(expected)}\n  actual   ${show(actual)}`,
      actual: actual.toString('latin1'),
      expected: expected.toString('latin1'),
      operator: 'strictEqual',
    });
  }

  /** Returns false when the handshake failed (recorded in `tlsErrors`; the script ends). */
  async #startTls(): Promise<boolean> {
    const plain = this.#socket!;
    if (this.#unread.length > 0) {
      throw this.#mismatch('client sent plaintext after STLS before the handshake', Buffer.alloc(0), 0);
    }
    // Only microtasks ran since the "+OK" was written, so no handshake byte was read as plaintext.
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: this.#context });
    this.#listen(secure);
    return new Promise<boolean>((resolve) => {
      secure.once('secure', () => resolve(true));
      secure.once('error', (error: Error) => {
        this.tlsErrors.push(error);
        resolve(false);
      });
      secure.once('close', () => resolve(false)); // the client gave up (e.g. refused the certificate)
    });
  }
}

/**
 * Runs `body` against a scripted server and checks the transcript: every step played, no byte
 * the script did not expect. When the client fails because the script did not match, the diff
 * is the error (the client's error becomes its `cause`).
 */
export async function playScript(
  steps: readonly Step[],
  options: ScriptOptions,
  body: (server: ScriptedServer) => Promise<void>,
): Promise<ScriptedServer> {
  const server = await ScriptedServer.start(steps, options);
  try {
    try {
      await body(server);
    } catch (error) {
      // A close by the client is usually the client's failure showing; anything else is not.
      const mismatch = server.failure;
      if (mismatch && !/connection closed by the client/.test(mismatch.message)) {
        throw Object.assign(mismatch, { cause: error });
      }
      throw error;
    }
    // A safety net so a script the client never finishes fails the test instead of hanging it.
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('scripted server: the script did not play to its end')),
        5000,
      );
    });
    await Promise.race([server.done, stuck]).finally(() => clearTimeout(timer));
    assert.equal(
      show(server.unexpected),
      show(Buffer.alloc(0)),
      'client sent bytes the script did not expect',
    );
    return server;
  } finally {
    await server.close();
  }
}

/**
 * Reads a transcript fixture: "S: " lines are server lines (consecutive ones go out in one
 * write, ended by `eol`), "C: " lines are expected client commands (always CRLF), "#" lines and
 * blank lines are comments.
 */
export function loadTranscript(path: string | URL, eol: '\r\n' | '\n'): Step[] {
  const steps: Step[] = [];
  let server: string[] = [];
  const flush = () => {
    if (server.length > 0) steps.push({ send: server.map((line) => line + eol).join('') });
    server = [];
  };
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    if (line.startsWith('S: ') || line === 'S:') server.push(line.slice(3));
    else if (line.startsWith('C: ')) {
      flush();
      steps.push({ expect: `${line.slice(3)}\r\n` });
    } else if (line.trim() !== '' && !line.startsWith('#')) throw new Error(`bad transcript line: ${line}`);
  }
  flush();
  return steps;
}
