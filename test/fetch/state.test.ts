// The state store and the per-account run lock.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { acquireRunLock, RunLockedError, runLockPath } from '../../src/fetch/run-lock.js';
import { SCHEMA_VERSION, StateFileError, StateStore } from '../../src/fetch/state-store.js';
import { tempDir } from './support.js';

let dir: string;
let path: string;
beforeEach(() => {
  dir = tempDir('pop3kit-state-');
  path = join(dir, 'state.sqlite');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const SQLITE = JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'));
const maildirPending = (name: string) => ({ kind: 'maildir' as const, dir: '/m', name });

describe('state store', () => {
  it('creates a WAL database with synchronous=FULL and a schema version', () => {
    StateStore.open(path, 'a').close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
    db.close();
  });

  it('keeps first-seen times, and moves new -> pending -> delivered across reopenings', () => {
    const store = StateStore.open(path, 'a');
    store.recordSeen(['u1', 'u2'], 1000);
    store.recordSeen(['u1', 'u3'], 2000); // u1 keeps its first sight
    store.markPending([{ uid: 'u1', pending: maildirPending('n1') }], 3000);
    store.close();
    const again = StateStore.open(path, 'a');
    const entries = again.entries();
    assert.deepEqual(
      [...entries.values()].map((e) => [e.uid, e.firstSeen, e.status]),
      [
        ['u1', 1000, 'pending'],
        ['u2', 1000, 'new'],
        ['u3', 2000, 'new'],
      ],
    );
    assert.deepEqual(entries.get('u1')!.pending, maildirPending('n1'));
    again.markDone([{ uid: 'u1', status: 'delivered', location: '/m/new/n1' }], 4000);
    again.markDone([{ uid: 'u2', status: 'discarded' }], 4000);
    again.markPending([{ uid: 'u3', pending: maildirPending('n3') }], 4000);
    again.resetPending(['u3']);
    const after = again.entries();
    assert.deepEqual(
      [...after.values()].map((e) => [e.uid, e.status, e.pending]),
      [
        ['u1', 'delivered', undefined],
        ['u2', 'discarded', undefined],
        ['u3', 'new', undefined],
      ],
    );
    again.forget(['u1', 'u2']);
    assert.deepEqual([...again.entries().keys()], ['u3']);
    again.close();
  });

  it('keeps accounts sharing one file apart', () => {
    const a = StateStore.open(path, 'alice');
    const b = StateStore.open(path, 'bob');
    a.recordSeen(['same-uid'], 1);
    assert.equal(b.entries().size, 0);
    b.markDone([{ uid: 'same-uid', status: 'delivered' }], 2);
    assert.equal(a.entries().get('same-uid')!.status, 'new');
    a.close();
    b.close();
  });

  it('refuses a file from a newer pop3kit, and a file that is not a database', () => {
    StateStore.open(path, 'a').close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(() => StateStore.open(path, 'a'), StateFileError);
    const junk = join(dir, 'junk');
    fs.writeFileSync(junk, 'this is not SQLite '.repeat(100));
    assert.throws(() => StateStore.open(junk, 'a'), StateFileError);
  });
});

describe('run lock', () => {
  it('lets one run per account hold it, in this process and in another', () => {
    const release = acquireRunLock(path, 'alice');
    assert.throws(() => acquireRunLock(path, 'alice'), RunLockedError);
    const other = acquireRunLock(path, 'bob'); // another account is not blocked
    const probe = `
      const Database = require(${SQLITE});
      const db = new Database(${JSON.stringify(runLockPath(path, 'alice'))}, { timeout: 0 });
      try { db.exec('BEGIN EXCLUSIVE'); process.stdout.write('locked'); } catch (e) { process.stdout.write(e.code); }`;
    const inOther = () => spawnSync(process.execPath, ['-e', probe]).stdout.toString();
    assert.equal(inOther(), 'SQLITE_BUSY');
    release();
    other();
    assert.equal(inOther(), 'locked');
    acquireRunLock(path, 'alice')();
  });

  it('is released by the kernel when the holder is killed', () => {
    const holder = `
      const Database = require(${SQLITE});
      const db = new Database(${JSON.stringify(runLockPath(path, 'alice'))});
      db.pragma('locking_mode = EXCLUSIVE'); db.exec('BEGIN EXCLUSIVE');
      process.kill(process.pid, 'SIGKILL');`;
    const result = spawnSync(process.execPath, ['-e', holder]);
    assert.equal(result.signal, 'SIGKILL');
    acquireRunLock(path, 'alice')();
  });
});
