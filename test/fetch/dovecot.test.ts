// Interop: fetchAccount against the private Dovecot of the tests, into Maildir (plaintext) and
// mbox (over STLS); the delivered messages equal the source ones, line ends aside.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchAccount } from '../../src/fetch/index.js';
import type { AccountConfig } from '../../src/fetch/types.js';
import { toLf } from '../../src/protocol/line-ends.js';
import { type DovecotInstance, dovecotSkipReason, startDovecot } from '../helpers/dovecot.js';
import { maildirMessages, makeMessages, mboxMessages, tempDir } from './support.js';

const skip = dovecotSkipReason();

/** Dovecot keeps what it is given; CRLF here, as a server that stores RFC 5322 would. */
const SOURCE = [
  ...makeMessages(25, 'dovecot'),
  'Subject: no final newline\r\n\r\nlast line without CRLF',
  `Subject: big\r\n\r\n${'.dot-stuffed line\r\nFrom a mbox separator look-alike\r\n'.repeat(30_000)}`,
].map((m) => Buffer.from(m));

describe('fetch from Dovecot', { skip }, () => {
  let dovecot: DovecotInstance;
  let dir: string;

  before(async () => {
    dovecot = (await startDovecot())!;
    dir = tempDir('pop3kit-fetch-dovecot-');
  });
  after(async () => {
    await dovecot?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function account(user: string, overrides: Partial<AccountConfig>): AccountConfig {
    const pass = dovecot.users.find((u) => u.user === user)!.pass;
    return {
      name: `${user}@dovecot`,
      host: dovecot.host,
      port: dovecot.port,
      user,
      password: async () => pass,
      destination: { kind: 'maildir', path: join(dir, user, 'Maildir') },
      deletePolicy: { kind: 'keep' },
      statePath: join(dir, 'state.sqlite'),
      ...overrides,
    };
  }

  /** The source, as Dovecot stores it (a message without a final CRLF is sent with one). */
  const expected = () => SOURCE.map((m) => toLf(m).toString('latin1'));
  const normalise = (delivered: Buffer[]) => delivered.map((m) => m.toString('latin1').replace(/\n$/, ''));

  it('into Maildir: every message identical to the source, once; a second run fetches nothing', async () => {
    for (const message of SOURCE) dovecot.addMessage('alice', message);
    const config = account('alice', { starttls: 'never' });
    const summary = await fetchAccount(config);
    assert.equal(summary.delivered, SOURCE.length);
    const delivered = maildirMessages(join(dir, 'alice', 'Maildir'));
    assert.deepEqual(
      normalise(delivered).sort(),
      expected()
        .map((m) => m.replace(/\n$/, ''))
        .sort(),
    );
    assert.equal((await fetchAccount(config)).delivered, 0);
    assert.equal(dovecot.messages('alice').length, SOURCE.length, 'kept on the server');
  });

  it('into mbox over STLS with delete after delivery: identical messages, and Dovecot is emptied', async () => {
    for (const message of SOURCE) dovecot.addMessage('bob', message);
    const mbox = join(dir, 'bob.mbox');
    const config = account('bob', {
      starttls: 'required',
      tls: { ca: dovecot.caPem },
      destination: { kind: 'mbox', path: mbox },
      deletePolicy: { kind: 'after-delivery' },
    });
    const summary = await fetchAccount(config);
    assert.deepEqual([summary.delivered, summary.deleted], [SOURCE.length, SOURCE.length]);
    assert.deepEqual(
      normalise(mboxMessages(mbox)),
      expected().map((m) => m.replace(/\n$/, '')),
    );
    assert.equal(dovecot.messages('bob').length, 0);
  });
});
