import type { Readable } from 'node:stream';
import { DotStuffer } from '../protocol/dot-stuffer.js';
import { CrlfNormaliser } from '../protocol/line-ends.js';
import type { SessionOutput } from './output.js';
import { TopFilter } from './top-filter.js';

/** Lines of a listing are sent in batches of about this many bytes. */
const BATCH = 32 * 1024;

/**
 * How a session answers: status lines, multi-line listings and message bodies, all through
 * one `SessionOutput` so faults and backpressure apply to every byte.
 */
export class SessionReplies {
  protected readonly output: SessionOutput;

  constructor(output: SessionOutput) {
    this.output = output;
  }

  get bytesSent(): number {
    return this.output.bytesSent;
  }

  /** One status line; CR and LF in `line` are replaced, so no text can start a second line. */
  reply(line: string): Promise<void> {
    return this.output.write(Buffer.from(`${line.replace(/[\r\n]/g, ' ')}\r\n`, 'utf8'));
  }

  ok(text = ''): Promise<void> {
    return this.reply(text === '' ? '+OK' : `+OK ${text}`);
  }

  /** `-ERR text`; a RESP-CODE such as `[IN-USE]` goes at the start of `text` (RFC 2449 §8). */
  err(text: string): Promise<void> {
    return this.reply(`-ERR ${text}`);
  }

  /** A multi-line reply of short lines (LIST, UIDL, CAPA): status, lines, ".". */
  async sendLines(status: string, lines: Iterable<string>): Promise<void> {
    let batch = `${status}\r\n`;
    for (const line of lines) {
      // RFC 1939 §3: byte-stuff a line that starts with the termination octet.
      batch += line.startsWith('.') ? `.${line}\r\n` : `${line}\r\n`;
      if (batch.length >= BATCH) {
        await this.output.write(Buffer.from(batch, 'utf8'));
        batch = '';
      }
    }
    await this.output.write(Buffer.from(`${batch}.\r\n`, 'utf8'));
  }

  /**
   * RETR/TOP: the status line, then the message read from `source` with backpressure: bare LF
   * becomes CRLF, TOP stops after its lines, dots are stuffed and the terminator follows.
   * Once "+OK" is out a read error cannot be reported any more, so it cuts the connection:
   * the client sees a truncated reply instead of a wrong message.
   */
  async sendMessage(status: string, source: Readable, topLines?: number): Promise<void> {
    const normaliser = new CrlfNormaliser();
    const stuffer = new DotStuffer();
    const top = topLines === undefined ? undefined : new TopFilter(topLines);
    try {
      await this.reply(status);
      for await (const chunk of source) {
        let data = normaliser.push(chunk as Buffer);
        let done = false;
        if (top !== undefined) ({ data, done } = top.push(data));
        if (data.length > 0) await this.output.write(stuffer.push(data));
        if (done || this.output.closed) break;
      }
    } catch (err) {
      this.abort();
      throw err;
    } finally {
      source.destroy();
    }
    await this.output.write(stuffer.end());
  }

  /** Drops the connection at once; overridden by the session, which owns the socket. */
  protected abort(): void {}
}
