// A big message streams from the server's disk to the destination without being held in
// memory: peak RSS grows by far less than the message (DESIGN: bounded memory for bodies).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchAccount } from '../../src/fetch/index.js';
import { MaildirStore, Pop3Server } from '../../src/server/index.js';
import { accountFor, PASSWORD, tempDir } from './support.js';

const SIZE = 256 * 1024 * 1024;
const LINE = `${'0123456789'.repeat(9)}abcdefgh\n`; // 100 octets, LF as Maildir keeps it
const LIMIT = 100 * 1024 * 1024;

/** Writes the message in pieces (never whole in memory); returns its SHA-256. */
function writeBigMessage(path: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(path, 'w');
  const head = Buffer.from('Return-Path: <big@example.org>\nSubject: big\n\n');
  const block = Buffer.from(LINE.repeat(10_000));
  fs.writeSync(fd, head);
  hash.update(head);
  for (let written = head.length; written < SIZE; written += block.length) {
    fs.writeSync(fd, block);
    hash.update(block);
  }
  fs.closeSync(fd);
  return hash.digest('hex');
}

/** SHA-256 of `length` octets of a file from `start` (the whole file by default). */
function hashFile(path: string, start = 0, length = fs.statSync(path).size - start): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(path, 'r');
  const buffer = Buffer.alloc(1024 * 1024);
  for (let done = 0; done < length; ) {
    const n = fs.readSync(fd, buffer, 0, Math.min(buffer.length, length - done), start + done);
    if (n === 0) break;
    hash.update(buffer.subarray(0, n));
    done += n;
  }
  fs.closeSync(fd);
  return hash.digest('hex');
}

function firstLine(path: string): string {
  const fd = fs.openSync(path, 'r');
  const buffer = Buffer.alloc(200);
  const n = fs.readSync(fd, buffer, 0, 200, 0);
  fs.closeSync(fd);
  return buffer.subarray(0, n).toString('latin1').split('\n')[0]!;
}

describe('a 256 MiB message', () => {
  let dir: string;
  let server: Pop3Server;
  let port: number;
  let sourceHash: string;

  before(async () => {
    dir = tempDir('pop3kit-big-');
    for (const sub of ['tmp', 'new', 'cur'])
      fs.mkdirSync(join(dir, 'served', 'alice', sub), { recursive: true });
    sourceHash = writeBigMessage(join(dir, 'served', 'alice', 'new', '1700000000.big.host'));
    server = new Pop3Server({ store: new MaildirStore(join(dir, 'served')), users: { alice: PASSWORD } });
    ({ port } = await server.listen());
  });
  after(async () => {
    await server.close({ graceMs: 0 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const kind of ['maildir', 'mbox'] as const) {
    it(`goes into ${kind} with peak memory growth under 100 MiB, byte for byte`, async (t) => {
      const target = join(dir, kind === 'maildir' ? 'Maildir' : 'inbox.mbox');
      const account = accountFor(port, 'alice', dir, {
        name: `alice-${kind}`,
        destination: { kind, path: target },
      });
      globalThis.gc?.();
      const baseline = process.memoryUsage.rss();
      let peak = baseline;
      const sampler = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage.rss());
      }, 5);
      try {
        assert.equal((await fetchAccount(account)).delivered, 1);
      } finally {
        clearInterval(sampler);
      }
      const growth = peak - baseline;
      t.diagnostic(
        `${kind}: peak RSS growth ${Math.round(growth / 2 ** 20)} MiB for a ${SIZE / 2 ** 20} MiB message`,
      );
      assert.ok(growth < LIMIT, `RSS grew by ${Math.round(growth / 2 ** 20)} MiB`);
      if (kind === 'maildir') {
        const [name] = fs.readdirSync(join(target, 'new'));
        assert.equal(hashFile(join(target, 'new', name!)), sourceHash);
      } else {
        // The entry is the From_ line, the message (no line of it needs quoting) and a blank line.
        const from = firstLine(target);
        assert.match(from, /^From big@example\.org /);
        const served = fs.statSync(join(dir, 'served', 'alice', 'new', '1700000000.big.host')).size;
        assert.equal(fs.statSync(target).size, from.length + 1 + served + 1);
        assert.equal(hashFile(target, from.length + 1, served), sourceHash);
      }
    });
  }
});
