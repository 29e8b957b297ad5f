// A tiny in-process POP3 server for the bulk-retrieval tests. It answers one command at a
// time and holds each reply a moment, so a client that would put more commands in flight
// than its window allows gets every chance to do so, and the server counts what it sees.
import { EventEmitter, once } from 'node:events';
import * as net from 'node:net';

/** A body the server generates on the fly, writing with backpressure (`size` octets, at least 2). */
export interface LargeBody {
  readonly size: number;
}

export type StubMessage = Buffer | LargeBody;

export interface StubOptions {
  readonly messages: readonly StubMessage[];
  /** CAPA lines; default USER, TOP, UIDL and PIPELINING. */
  readonly capabilities?: readonly string[];
  /** Milliseconds each reply waits before it is written (default 2). */
  readonly holdMs?: number;
  /** Commands (e.g. 'RETR 3') answered with -ERR. */
  readonly refuse?: readonly string[];
}

export interface StubStats {
  /** Every command line received, in order. */
  readonly commands: string[];
  /** Commands received and not yet answered, as counted when each command arrived. */
  readonly inFlightAtArrival: number[];
  /** The most commands that were ever received and not yet answered. */
  maxInFlight: number;
  /** How many command lines each data event from the client carried. */
  readonly commandsPerRead: number[];
  /** Times a socket.write of a large body returned false (the client stopped reading). */
  blocked: number;
  /** Octets of large bodies written so far. */
  largeWritten: number;
}

export interface StubServer {
  readonly port: number;
  readonly stats: StubStats;
  /** Emits 'blocked' when a large body's write backs up, and 'drain' when it drains. */
  readonly events: EventEmitter;
  close(): Promise<void>;
}

/** Stuffs a body for the wire (RFC 1939 §3) and adds the terminator. */
export function stuff(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/(^|\n)\./g, '$1..');
  return Buffer.from(`${text}${text.endsWith('\r\n') || text === '' ? '' : '\r\n'}.\r\n`, 'latin1');
}

/** A small message that names its number in the body, with a dot-stuffed line. */
export function numberedMessage(n: number): Buffer {
  return Buffer.from(
    `Subject: message ${n}\r\n\r\nThis is message ${n}.\r\n.a line with a leading dot\r\n`,
    'latin1',
  );
}

function sizeOf(message: StubMessage): number {
  return Buffer.isBuffer(message) ? message.length : message.size;
}

export async function startStub(options: StubOptions): Promise<StubServer> {
  const capabilities = options.capabilities ?? ['USER', 'TOP', 'UIDL', 'PIPELINING'];
  const holdMs = options.holdMs ?? 2;
  const refuse = new Set(options.refuse ?? []);
  const events = new EventEmitter();
  const stats: StubStats = {
    commands: [],
    inFlightAtArrival: [],
    maxInFlight: 0,
    commandsPerRead: [],
    blocked: 0,
    largeWritten: 0,
  };
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const deleted = new Set<number>();
    const pending: string[] = [];
    let partial = '';
    let pumping = false;
    let noops = 0;

    const write = (text: string | Buffer) => {
      if (!socket.destroyed) socket.write(text);
    };

    /** Writes `size` octets of 76-character lines, waiting for 'drain' whenever write backs up. */
    const writeLarge = async (size: number) => {
      const line = Buffer.from(`${'x'.repeat(74)}\r\n`, 'latin1');
      const chunk = Buffer.alloc(64 * 1024 - ((64 * 1024) % line.length));
      for (let at = 0; at < chunk.length; at += line.length) line.copy(chunk, at);
      let left = size;
      while (left > 0 && !socket.destroyed) {
        let piece = chunk;
        if (left < chunk.length) {
          // The last piece ends its (shortened) line with CRLF, so the terminator is a line.
          piece = Buffer.from(chunk.subarray(0, left));
          piece.write('\r\n', Math.max(0, left - 2), 'latin1');
        }
        left -= piece.length;
        stats.largeWritten += piece.length;
        if (!socket.write(piece)) {
          stats.blocked++;
          events.emit('blocked');
          await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
          events.emit('drain');
        }
      }
      write('.\r\n');
    };

    const message = (n: number): StubMessage | undefined =>
      Number.isSafeInteger(n) && n >= 1 && n <= options.messages.length && !deleted.has(n)
        ? options.messages[n - 1]
        : undefined;

    const answer = async (line: string): Promise<void> => {
      const [verb = '', ...args] = line.split(' ');
      const n = Number(args[0]);
      if (refuse.has(line)) return write(`-ERR refused ${line}\r\n`);
      switch (verb.toUpperCase()) {
        case 'CAPA':
          return write(`+OK\r\n${capabilities.map((c) => `${c}\r\n`).join('')}.\r\n`);
        case 'USER':
        case 'PASS':
          return write('+OK\r\n');
        case 'NOOP':
          noops++;
          return write(`+OK noop ${noops}\r\n`);
        case 'STAT': {
          const live = options.messages.filter((_, i) => !deleted.has(i + 1));
          return write(`+OK ${live.length} ${live.reduce((sum, m) => sum + sizeOf(m), 0)}\r\n`);
        }
        case 'DELE':
          if (!message(n)) return write(`-ERR no message ${args[0]}\r\n`);
          deleted.add(n);
          return write(`+OK message ${n} deleted\r\n`);
        case 'RETR':
        case 'TOP': {
          const found = message(n);
          if (!found) return write(`-ERR no message ${args[0]}\r\n`);
          if (!Buffer.isBuffer(found)) {
            write(`+OK ${found.size} octets\r\n`);
            return writeLarge(found.size);
          }
          let body = found;
          if (verb.toUpperCase() === 'TOP') {
            const text = found.toString('latin1');
            const split = text.indexOf('\r\n\r\n');
            const bodyLines = text
              .slice(split + 4)
              .split('\r\n')
              .slice(0, Number(args[1]));
            body = Buffer.from(
              `${text.slice(0, split + 4)}${bodyLines.map((l) => `${l}\r\n`).join('')}`,
              'latin1',
            );
          }
          write(`+OK ${body.length} octets\r\n`);
          return write(stuff(body));
        }
        case 'QUIT':
          write('+OK bye\r\n');
          socket.end();
          return;
        default:
          return write(`-ERR unknown command\r\n`);
      }
    };

    const pump = async () => {
      if (pumping) return;
      pumping = true;
      while (pending.length > 0) {
        await new Promise((resolve) => setTimeout(resolve, holdMs));
        // The command stays counted as in flight until its whole reply has been written.
        await answer(pending[0]!);
        pending.shift();
      }
      pumping = false;
    };

    write('+OK stub POP3 server ready\r\n');
    socket.on('data', (chunk: Buffer) => {
      partial += chunk.toString('latin1');
      const lines = partial.split('\r\n');
      partial = lines.pop() ?? '';
      stats.commandsPerRead.push(lines.length);
      for (const line of lines) {
        stats.commands.push(line);
        pending.push(line);
        stats.inFlightAtArrival.push(pending.length);
        stats.maxInFlight = Math.max(stats.maxInFlight, pending.length);
      }
      void pump();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stats,
    events,
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The commands of one verb the server received, in order ('RETR 3' -> 3). */
export function numbersOf(stats: StubStats, verb: string): number[] {
  return stats.commands.filter((c) => c.startsWith(`${verb} `)).map((c) => Number(c.split(' ')[1]));
}
