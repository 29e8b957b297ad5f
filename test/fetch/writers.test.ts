// The Maildir and mbox writers and the dotlock on their own: what lands on disk, and how a
// delivery interrupted at each step is settled afterwards.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { lockMbox, MboxLockedError } from '../../src/fetch/dotlock.js';
import { nodeFs } from '../../src/fetch/fs-layer.js';
import { baseName, MaildirWriter, settleMaildir, uniqueName } from '../../src/fetch/maildir-writer.js';
import { MboxWriter, settleMbox } from '../../src/fetch/mbox-writer.js';
import { mboxEntry, parseMboxrd } from '../../src/fetch/mboxrd.js';
import type { PendingDelivery } from '../../src/fetch/pending.js';
import type { Delivered, Ledger } from '../../src/fetch/writer.js';
import { sha, tempDir } from './support.js';

/** A ledger that remembers every call, in order. */
class RecordingLedger implements Ledger {
  readonly calls: string[] = [];
  readonly pending = new Map<string, PendingDelivery>();
  readonly delivered = new Map<string, string>();
  markPending(items: readonly { uid: string; pending: PendingDelivery }[]): void {
    for (const { uid, pending } of items) this.pending.set(uid, pending);
    this.calls.push(`pending ${items.map((i) => i.uid).join(',')}`);
  }
  markDelivered(items: readonly Delivered[]): void {
    for (const { uid, location } of items) {
      this.pending.delete(uid);
      this.delivered.set(uid, location);
    }
    this.calls.push(`delivered ${items.map((i) => i.uid).join(',')}`);
  }
  resetPending(uids: readonly string[]): void {
    for (const uid of uids) this.pending.delete(uid);
    this.calls.push(`reset ${uids.join(',')}`);
  }
}

let dir: string;
beforeEach(() => {
  dir = tempDir('pop3kit-writers-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const msg = (uid: string, text: string) => ({ uid, data: Buffer.from(text) });

describe('Maildir writer', () => {
  it('records pending before writing, then delivers into new/ with LF line ends', async () => {
    const ledger = new RecordingLedger();
    const maildir = join(dir, 'Maildir');
    const delivered = await new MaildirWriter(nodeFs, maildir, ledger).deliver([
      msg('u1', 'Subject: a\r\n\r\none\r\n'),
      msg('u2', 'Subject: b\r\n\r\ntwo\r\n'),
    ]);
    assert.deepEqual(ledger.calls, ['pending u1,u2', 'delivered u1,u2']);
    assert.deepEqual(fs.readdirSync(join(maildir, 'tmp')), []);
    assert.deepEqual(
      delivered.map((d) => fs.readFileSync(d.location, 'utf8')),
      ['Subject: a\n\none\n', 'Subject: b\n\ntwo\n'],
    );
    assert.ok(delivered.every((d) => d.location.startsWith(join(maildir, 'new'))));
  });

  it('makes unique names whose base survives the :2,FLAGS a MUA adds', () => {
    const names = new Set(Array.from({ length: 1000 }, () => uniqueName()));
    assert.equal(names.size, 1000);
    const name = [...names][0]!;
    assert.equal(baseName(`${name}:2,S`), name);
    assert.ok(!/[/:,]/.test(name));
  });

  it('settles: found in new/ or moved to cur/ with flags = delivered; only in tmp/ = cleaned and redelivered', async () => {
    const maildir = join(dir, 'Maildir');
    for (const sub of ['tmp', 'new', 'cur']) fs.mkdirSync(join(maildir, sub), { recursive: true });
    const [a, b, c, d] = [uniqueName(), uniqueName(), uniqueName(), uniqueName()];
    fs.writeFileSync(join(maildir, 'new', a), 'a');
    fs.writeFileSync(join(maildir, 'cur', `${b}:2,S`), 'b');
    fs.writeFileSync(join(maildir, 'tmp', c), 'half of c'); // killed before the rename
    const pendings = [a, b, c, d].map((name, i) => ({
      uid: `u${i}`,
      pending: { kind: 'maildir' as const, dir: maildir, name },
    }));
    const ledger = new RecordingLedger();
    const settled = await settleMaildir(nodeFs, pendings, ledger);
    assert.deepEqual(settled.delivered, ['u0', 'u1']);
    assert.deepEqual(settled.redeliver, ['u2', 'u3']); // d: killed before tmp/ was even written
    assert.deepEqual(fs.readdirSync(join(maildir, 'tmp')), []);
    assert.equal(ledger.delivered.get('u1'), join(maildir, 'cur', `${b}:2,S`));
  });

  it('streams a message to tmp/ and delivers it', async () => {
    const ledger = new RecordingLedger();
    const chunks = ['Subject: s\r', '\n\r\nbody\r', '\n'].map((s) => Buffer.from(s));
    const d = await new MaildirWriter(nodeFs, join(dir, 'M'), ledger).deliverStream(
      's1',
      Readable.from(chunks),
    );
    assert.equal(fs.readFileSync(d.location, 'utf8'), 'Subject: s\n\nbody\n');
  });
});

describe('mbox writer', () => {
  const now = () => Date.UTC(2024, 0, 1);

  it('appends mboxrd entries after an LF, under the lock, and releases it', async () => {
    const path = join(dir, 'inbox');
    fs.writeFileSync(path, 'From old Mon Jan  1 00:00:00 2024\nold message without final LF');
    const ledger = new RecordingLedger();
    await new MboxWriter(nodeFs, path, ledger, join(dir, 'spool'), now).deliver([
      msg('u1', 'Subject: a\r\n\r\nFrom here\r\n'),
      msg('u2', 'Subject: b\r\n\r\n>From there\r\n'),
    ]);
    assert.deepEqual(ledger.calls, ['pending u1,u2', 'delivered u1,u2']);
    assert.equal(fs.existsSync(`${path}.lock`), false);
    const messages = parseMboxrd(fs.readFileSync(path)).map(String);
    assert.deepEqual(messages.slice(1), ['Subject: a\n\nFrom here\n', 'Subject: b\n\n>From there\n']);
  });

  function pendingFor(path: string, uid: string, entry: Buffer, offset: number) {
    return {
      uid,
      pending: { kind: 'mbox' as const, path, offset, length: entry.length, sha256: sha(entry) },
    };
  }

  it('settles: whole entries = delivered, a cut append is truncated back, a rewritten file is left alone', async () => {
    const path = join(dir, 'inbox');
    const before = Buffer.from('From x Mon Jan  1 00:00:00 2024\nearlier\n\n');
    const e1 = mboxEntry(Buffer.from('Subject: 1\n\none\n'), new Date(0));
    const e2 = mboxEntry(Buffer.from('Subject: 2\n\ntwo\n'), new Date(0));
    const e3 = mboxEntry(Buffer.from('Subject: 3\n\nthree\n'), new Date(0));
    // Killed part way through e3: e1 and e2 are whole.
    fs.writeFileSync(path, Buffer.concat([before, e1, e2, e3.subarray(0, 10)]));
    const p1 = pendingFor(path, 'u1', e1, before.length);
    const p2 = pendingFor(path, 'u2', e2, before.length + e1.length);
    const p3 = pendingFor(path, 'u3', e3, before.length + e1.length + e2.length);
    const ledger = new RecordingLedger();
    const settled = await settleMbox(nodeFs, [p1, p2, p3], ledger);
    assert.deepEqual(settled.delivered.sort(), ['u1', 'u2']);
    assert.deepEqual(settled.redeliver, ['u3']);
    assert.deepEqual(settled.warnings, []);
    assert.deepEqual(fs.readFileSync(path), Buffer.concat([before, e1, e2]));

    // Killed after recording, before writing anything: nothing to truncate, no warning.
    const p4 = pendingFor(path, 'u4', e3, fs.statSync(path).size);
    assert.deepEqual((await settleMbox(nodeFs, [p4], ledger)).warnings, []);

    // A MUA rewrote the file shorter meanwhile: redeliver, never truncate what is not ours.
    const shrunk = Buffer.concat([before]);
    fs.writeFileSync(path, shrunk);
    const lost = await settleMbox(nodeFs, [pendingFor(path, 'u5', e1, before.length + 100)], ledger);
    assert.deepEqual(lost.redeliver, ['u5']);
    assert.equal(lost.warnings.length, 1);
    assert.deepEqual(fs.readFileSync(path), shrunk);
  });

  it('streams a big message through the spool, and leaves no spool file', async () => {
    const path = join(dir, 'inbox');
    const spool = join(dir, 'spool');
    const body = 'Return-Path: <s@x.example>\r\nSubject: big\r\n\r\n' + 'From line\r\n'.repeat(10_000);
    const chunks = Array.from({ length: Math.ceil(body.length / 1000) }, (_, i) =>
      Buffer.from(body.slice(i * 1000, i * 1000 + 1000)),
    );
    await new MboxWriter(nodeFs, path, new RecordingLedger(), spool, now).deliverStream(
      'big',
      Readable.from(chunks),
    );
    const [message] = parseMboxrd(fs.readFileSync(path));
    assert.equal(message!.toString(), body.replace(/\r\n/g, '\n'));
    assert.match(fs.readFileSync(path, 'latin1'), /^From s@x\.example /);
    assert.deepEqual(fs.readdirSync(spool), []);
  });
});

describe('mbox dotlock', () => {
  it('waits for a live holder and gives up with MboxLockedError', async () => {
    const path = join(dir, 'inbox');
    const release = await lockMbox(nodeFs, path);
    assert.equal(fs.readFileSync(`${path}.lock`, 'utf8'), `${process.pid}\n`);
    await assert.rejects(lockMbox(nodeFs, path, 120), MboxLockedError);
    await release();
    await (await lockMbox(nodeFs, path, 0))();
  });

  it('breaks a lock left by a dead process, and removes its half-taken temp files', async () => {
    const path = join(dir, 'inbox');
    const dead = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    fs.writeFileSync(`${path}.lock`, `${dead}\n`);
    fs.writeFileSync(`${path}.lock.${dead}.0123abcd`, `${dead}\n`);
    const release = await lockMbox(nodeFs, path, 0);
    assert.deepEqual(fs.readdirSync(dir).sort(), ['inbox.lock']);
    await release();
  });

  it("keeps another program's pid-less lock until it is old", async () => {
    const path = join(dir, 'inbox');
    fs.writeFileSync(`${path}.lock`, '');
    await assert.rejects(lockMbox(nodeFs, path, 0), MboxLockedError);
    const old = new Date(Date.now() - 10 * 60_000);
    fs.utimesSync(`${path}.lock`, old, old);
    await (await lockMbox(nodeFs, path, 0))();
  });
});
