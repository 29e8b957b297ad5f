// CPython's DummyPOP3Handler (Lib/test/test_poplib.py, 3.11) as an in-process Node server: the
// same canned replies, LIST/RETR contents, CAPA reply, UTF8 switch and STLS behaviour, plain
// or implicit TLS (DummyPOP3_SSLHandler), and the ECHO command that Python's tests reach
// through poplib's private `_shortcmd`. Additions for the port: `received` records the command
// lines, `overrides` answers a command with a fixed line (for replies no command line of 255
// octets can ask ECHO for), and `retrResp`/`listResp` replace the canned bodies.
import net from 'node:net';
import tls from 'node:tls';
import { getTestCerts } from '../helpers/certs.js';

export const LIST_RESP = Buffer.from('1 1\r\n2 2\r\n3 3\r\n4 4\r\n5 5\r\n.\r\n', 'latin1');
export const RETR_RESP = Buffer.from(
  'From: postmaster@python.org\r\nContent-Type: text/plain\r\nMIME-Version: 1.0\r\nSubject: Dummy\r\n' +
    '\r\nline1\r\nline2\r\nline3\r\n.\r\n',
  'latin1',
);
export const GREETING = '+OK dummy pop3 server ready. <timestamp>';
const CAPAS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['UIDL', []],
  ['IMPLEMENTATION', ['python-testlib-pop-server']],
];
const CRLF = Buffer.from('\r\n');

export interface DummyServerOptions {
  /** Implicit TLS from the first byte (DummyPOP3_SSLHandler). */
  readonly secure?: boolean;
  /** Loopback address to listen on (default 127.0.0.1). Tests never listen elsewhere: a
   * remote server is simulated with a non-loopback host name and `createConnection`. */
  readonly host?: '127.0.0.1' | '::1';
  /** Replaces the greeting line. */
  readonly greeting?: string;
  /** Certificate and key for TLS (default: the test CA's certificate for localhost). */
  readonly cert?: { readonly certPem: string; readonly keyPem: string };
  /** CPython's SUPPORTS_SSL: false drops STLS from CAPA and the STLS command (default true). */
  readonly supportsSSL?: boolean;
  /** Replaces RETR_RESP (dot-stuffed, terminator included) for RETR and TOP. */
  readonly retrResp?: Buffer;
  /** Replaces LIST_RESP (terminator included) for LIST and UIDL without an argument. */
  readonly listResp?: Buffer;
}

type Command = (arg: string) => void;

class DummyPOP3Handler {
  readonly #server: DummyPOP3Server;
  #socket: net.Socket;
  #tlsActive: boolean;
  #pending = Buffer.alloc(0);
  #out: Buffer[] = [];
  #upgraded = false;
  readonly #commands: Record<string, Command> = {
    echo: (arg) => this.#push(arg), // sends back the received string (used by the test suite)
    user: (arg) => {
      // As in CPython's handler, a -ERR is followed by the +OK anyway (no return after it).
      if (arg !== 'guido') this.#push('-ERR no such user');
      this.#push('+OK password required');
    },
    pass: (arg) => {
      if (arg !== 'python') this.#push('-ERR wrong password');
      this.#push('+OK 10 messages');
    },
    stat: () => this.#push('+OK 10 100'),
    list: (arg) => this.#list(arg),
    uidl: (arg) => this.#list(arg),
    retr: () => this.#retr(),
    top: () => this.#retr(),
    dele: () => this.#push('+OK message marked for deletion.'),
    noop: () => this.#push('+OK done nothing.'),
    rpop: () => this.#push('+OK done nothing.'),
    apop: () => this.#push('+OK done nothing.'),
    quit: () => {
      this.#push('+OK closing.');
      this.#flush();
      this.#socket.end(); // close_when_done
    },
    capa: () => {
      this.#push('+OK Capability list follows');
      for (const [cap, params] of this.#capas()) this.#push([cap, ...params].join(' '));
      this.#push('.');
    },
    utf8: () => this.#push(this.#server.enableUTF8 ? '+OK I know RFC6856' : '-ERR What is UTF8?!'),
    stls: () => this.#stls(),
  };

  constructor(socket: net.Socket, server: DummyPOP3Server, tlsActive: boolean) {
    this.#server = server;
    this.#socket = socket;
    this.#tlsActive = tlsActive;
    this.#attach(socket);
    this.#push(server.greeting);
    this.#flush();
  }

  #attach(socket: net.Socket): void {
    socket.on('data', this.#onData);
    socket.on('error', () => socket.destroy());
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#pending = Buffer.concat([this.#pending, chunk]);
    // asynchat's terminator is b"\r\n": a bare LF does not end a command.
    for (let end = this.#pending.indexOf(CRLF); end !== -1; end = this.#pending.indexOf(CRLF)) {
      const line = this.#pending.toString('latin1', 0, end);
      this.#pending = this.#pending.subarray(end + 2);
      this.#foundTerminator(line);
      // Each command's replies go out in one write, as asynchat's pushes in one handler do.
      this.#flush();
      if (this.#upgraded) return;
    }
  };

  #foundTerminator(line: string): void {
    this.#server.received.push(line);
    const cmd = line.split(' ')[0]!.toLowerCase();
    const space = line.indexOf(' ');
    const arg = space === -1 ? '' : line.slice(space + 1);
    const override = this.#server.overrides.get(cmd);
    if (override !== undefined) this.#push(override);
    else if (Object.hasOwn(this.#commands, cmd) && (cmd !== 'stls' || this.#server.supportsSSL)) {
      this.#commands[cmd]!(arg);
    } else this.#push(`-ERR unrecognized POP3 command "${cmd}".`);
  }

  #push(data: string): void {
    this.#out.push(Buffer.from(`${data}\r\n`, 'latin1'));
  }

  #pushRaw(data: Buffer): void {
    this.#out.push(data);
  }

  #flush(): void {
    if (this.#out.length === 0 || this.#socket.destroyed) return;
    this.#socket.write(Buffer.concat(this.#out));
    this.#out = [];
  }

  #list(arg: string): void {
    if (arg) {
      this.#push(`+OK ${arg} ${arg}`);
    } else {
      this.#push('+OK');
      this.#pushRaw(this.#server.listResp);
    }
  }

  #retr(): void {
    const resp = this.#server.retrResp;
    this.#push(`+OK ${resp.length} bytes`);
    this.#pushRaw(resp);
  }

  #capas(): Array<readonly [string, readonly string[]]> {
    const capas = [...CAPAS];
    if (!this.#tlsActive && this.#server.supportsSSL) capas.push(['STLS', []]);
    return capas;
  }

  #stls(): void {
    if (this.#tlsActive) {
      this.#push('-ERR Command not permitted when TLS active');
      return;
    }
    this.#push('+OK Begin TLS negotiation');
    this.#flush();
    const plain = this.#socket;
    plain.removeListener('data', this.#onData);
    const secure = new tls.TLSSocket(plain, {
      isServer: true,
      secureContext: tls.createSecureContext({
        cert: this.#server.cert.certPem,
        key: this.#server.cert.keyPem,
      }),
    });
    this.#socket = secure;
    this.#tlsActive = true;
    this.#upgraded = true;
    this.#pending = Buffer.alloc(0); // in_buffer = []
    secure.once('secure', () => {
      this.#upgraded = false;
    });
    this.#attach(secure);
  }
}

/** The dummy server on an ephemeral port; `stop()` ends every session. */
export class DummyPOP3Server {
  /** CPython's `handler.enable_UTF8`: whether UTF8 is answered with +OK. */
  enableUTF8 = false;
  /** Command (lower-case verb) -> the one line to answer it with instead. */
  readonly overrides = new Map<string, string>();
  /** Every command line received, in order. */
  readonly received: string[] = [];
  readonly greeting: string;
  readonly cert: { readonly certPem: string; readonly keyPem: string };
  readonly supportsSSL: boolean;
  readonly retrResp: Buffer;
  readonly listResp: Buffer;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(options: DummyServerOptions) {
    this.greeting = options.greeting ?? GREETING;
    this.cert = options.cert ?? getTestCerts();
    this.supportsSSL = options.supportsSSL ?? true;
    this.retrResp = options.retrResp ?? RETR_RESP;
    this.listResp = options.listResp ?? LIST_RESP;
    this.#server = options.secure
      ? tls.createServer({ cert: this.cert.certPem, key: this.cert.keyPem }, (socket) => {
          new DummyPOP3Handler(socket, this, true);
        })
      : net.createServer((socket) => {
          new DummyPOP3Handler(socket, this, false);
        });
    this.#server.on('connection', (socket: net.Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    });
    // A client that refuses our certificate ends the handshake; that is a test outcome here.
    this.#server.on('tlsClientError', () => {});
  }

  static async start(options: DummyServerOptions = {}): Promise<DummyPOP3Server> {
    const server = new DummyPOP3Server(options);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(0, options.host ?? '127.0.0.1', () => resolve());
    });
    return server;
  }

  get host(): string {
    return (this.#server.address() as net.AddressInfo).address;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
