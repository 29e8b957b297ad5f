// A deliberately dumb POP3 peer for exact-bytes tests: it sends what it is told and reads
// replies as raw text, so the assertions see the server's bytes unmodified.
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';

export interface RawConnectOptions {
  readonly port: number;
  readonly host?: string;
  /** Implicit TLS with this CA. */
  readonly ca?: string;
}

export class RawClient {
  #socket: Socket;
  #buffer = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #ended = false;
  /** Greeting line, read by `connect`. */
  greeting = '';

  private constructor(socket: Socket) {
    this.#socket = socket;
    this.#listen(socket);
  }

  static async connect(options: RawConnectOptions): Promise<RawClient> {
    const host = options.host ?? '127.0.0.1';
    const socket =
      options.ca === undefined
        ? netConnect(options.port, host)
        : tlsConnect({ port: options.port, host, ca: options.ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      socket.once(options.ca === undefined ? 'connect' : 'secureConnect', () => resolve());
      socket.once('error', reject);
    });
    const client = new RawClient(socket);
    client.greeting = await client.line();
    return client;
  }

  get socket(): Socket {
    return this.#socket;
  }

  #listen(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    socket.on('close', () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on('error', () => {});
  }

  send(text: string | Buffer): void {
    this.#socket.write(text);
  }

  /** Waits until `test` finds an end offset in the buffered bytes; returns those bytes. */
  async #take(find: (buffer: Buffer) => number): Promise<Buffer> {
    for (;;) {
      const end = find(this.#buffer);
      if (end !== -1) {
        const taken = this.#buffer.subarray(0, end);
        this.#buffer = this.#buffer.subarray(end);
        return taken;
      }
      if (this.#ended)
        throw new Error(`connection closed; unread: ${JSON.stringify(this.#buffer.toString('latin1'))}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  /** One reply line without its CRLF. */
  async line(): Promise<string> {
    const raw = await this.#take((b) => {
      const lf = b.indexOf('\n');
      return lf === -1 ? -1 : lf + 1;
    });
    return raw.toString('latin1').replace(/\r?\n$/, '');
  }

  /** A whole multi-line reply, status line and terminator included, as raw text. */
  async multiline(): Promise<string> {
    const raw = await this.#take((b) => {
      const text = b.toString('latin1');
      if (text.startsWith('-ERR')) {
        const lf = text.indexOf('\n');
        return lf === -1 ? -1 : lf + 1;
      }
      if (text.startsWith('.\r\n')) return 3;
      const end = text.indexOf('\r\n.\r\n');
      return end === -1 ? -1 : end + 5;
    });
    return raw.toString('latin1');
  }

  /** Sends a command line and returns the one-line reply. */
  async command(line: string): Promise<string> {
    this.send(`${line}\r\n`);
    return this.line();
  }

  /** Sends a command and returns the multi-line reply as raw text. */
  async commandMulti(line: string): Promise<string> {
    this.send(`${line}\r\n`);
    return this.multiline();
  }

  /** Everything until the server closes the connection. */
  async rest(): Promise<string> {
    const raw = await this.#take((b) => (this.#ended ? b.length : -1));
    return raw.toString('latin1');
  }

  /** Resolves when the server has closed the connection. */
  async closed(): Promise<void> {
    await this.#take((b) => (this.#ended ? b.length : -1));
  }

  /** STLS, then the TLS handshake on the same socket. */
  async startTls(ca: string): Promise<void> {
    const reply = await this.command('STLS');
    if (!reply.startsWith('+OK')) throw new Error(`STLS refused: ${reply}`);
    const plain = this.#socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secured: TLSSocket = tlsConnect({ socket: plain, ca, servername: 'localhost' });
    await new Promise<void>((resolve, reject) => {
      secured.once('secureConnect', () => resolve());
      secured.once('error', reject);
    });
    this.#socket = secured;
    this.#buffer = Buffer.alloc(0);
    this.#listen(secured);
  }

  close(): void {
    this.#socket.destroy();
  }
}
