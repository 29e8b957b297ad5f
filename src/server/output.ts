import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { LfConverter } from '../protocol/line-ends.js';
import type { FaultOptions } from './options.js';

/**
 * Every byte a session sends goes through here: real backpressure (a write that fills the
 * socket buffer waits for 'drain'), plus the output faults (bare LF, drip, cut).
 */
export class SessionOutput {
  #socket: Socket;
  readonly #faults: FaultOptions;
  readonly #bareLf: LfConverter | undefined;
  #sent = 0;
  #cut = false;

  constructor(socket: Socket, faults: FaultOptions = {}) {
    this.#socket = socket;
    this.#faults = faults;
    this.#bareLf = faults.bareLf ? new LfConverter() : undefined;
  }

  /** After STLS the session writes to the TLS socket wrapped around the old one. */
  setSocket(socket: Socket): void {
    this.#socket = socket;
  }

  get bytesSent(): number {
    return this.#sent;
  }

  /** The socket can take no more: closed by either side, or cut by the fault. */
  get closed(): boolean {
    return this.#cut || this.#socket.destroyed || this.#socket.writableEnded;
  }

  /** Coalesces the replies to pipelined commands into few packets (RFC 2449 §6.6). */
  cork(): void {
    this.#socket.cork();
  }

  uncork(): void {
    // Undo every cork() at once: a socket counts nested corks.
    while (this.#socket.writableCorked > 0) this.#socket.uncork();
  }

  /** Sends `data`; resolves when the socket will take more (or is gone). */
  async write(data: Buffer): Promise<void> {
    if (this.closed) return;
    let out = this.#bareLf ? this.#bareLf.push(data) : data;
    const limit = this.#faults.cutAfterBytes;
    if (limit !== undefined && this.#sent + out.length >= limit) {
      out = out.subarray(0, Math.max(0, limit - this.#sent));
      this.#cut = true;
    }
    const drip = this.#faults.drip;
    if (drip !== undefined && drip.bytes > 0) {
      for (let offset = 0; offset < out.length && !this.#socket.destroyed; offset += drip.bytes) {
        if (offset > 0) await sleep(drip.intervalMs);
        await this.#send(out.subarray(offset, offset + drip.bytes));
      }
    } else {
      await this.#send(out);
    }
    if (this.#cut) {
      // Flush what fits under the limit, then drop the connection without a goodbye.
      const socket = this.#socket;
      socket.write(Buffer.alloc(0), () => socket.destroy());
    }
  }

  async #send(chunk: Buffer): Promise<void> {
    const socket = this.#socket;
    if (socket.destroyed || chunk.length === 0) return;
    this.#sent += chunk.length;
    if (socket.write(chunk)) return;
    // A corked socket never drains: let the buffered replies go before waiting.
    this.uncork();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }
}
