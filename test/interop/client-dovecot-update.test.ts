// The pop3kit client against a real Dovecot: what DELE, RSET, QUIT, close() and `await using`
// do to the Maildir. Each test owns a user, so deletions never reach another test's mailbox.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type ConnectOptions, Pop3Client, Pop3ServerError, Pop3StateError } from '../../src/index.js';
import { type DovecotInstance, dovecotSkipReason, startDovecot } from '../helpers/dovecot.js';

const USERS = ['carol', 'dave', 'erin', 'grace', 'heidi'].map((user) => ({
  user,
  pass: `${user}-pass`,
}));

/** Three CRLF messages, distinct per user and position. */
function fill(dovecot: DovecotInstance, user: string): Buffer[] {
  return [1, 2, 3].map((n) => {
    const bytes = Buffer.from(`Subject: ${user} ${n}\r\n\r\nbody ${n}\r\n`, 'latin1');
    dovecot.addMessage(user, bytes);
    return bytes;
  });
}

const skip = dovecotSkipReason();
describe('Pop3Client against Dovecot: DELE, RSET, QUIT and close', { skip }, () => {
  let dovecot: DovecotInstance;
  const options = (extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
    host: dovecot.host,
    port: dovecot.port,
    tls: { ca: dovecot.caPem },
    timeout: 10_000,
    ...extra,
  });
  const login = (user: string) =>
    Pop3Client.connect(options({ auth: { user, pass: `${user}-pass`, mechanism: 'USER' } }));
  /** The user's messages as Dovecot stores them now. */
  const stored = (user: string) => dovecot.messages(user).map((m) => m.bytes);

  before(async () => {
    const instance = await startDovecot({ users: USERS });
    assert.ok(instance, 'startDovecot returned undefined although dovecot is installed');
    dovecot = instance;
  });

  after(async () => {
    await dovecot?.stop();
  });

  it('DELE hides a message until RSET restores it', async () => {
    const messages = fill(dovecot, 'carol');
    await using client = await login('carol');
    assert.match(await client.dele(2), /^Marked to be deleted/);
    assert.deepEqual(await client.stat(), { count: 2, size: messages[0]!.length + messages[2]!.length });
    assert.deepEqual(await client.list(), [
      { msg: 1, size: messages[0]!.length },
      { msg: 3, size: messages[2]!.length },
    ]);
    const error = await client.retr(2).catch((e: unknown) => e);
    assert.ok(error instanceof Pop3ServerError, `got ${String(error)}`);
    assert.equal(error.response, 'Message is deleted.');
    await client.rset();
    assert.equal((await client.stat()).count, 3);
    assert.deepEqual(await client.retr(2), messages[1]);
    await client.quit();
    assert.deepEqual(stored('carol'), messages, 'QUIT after RSET deleted nothing');
  });

  it('DELE then QUIT removes the files from the Maildir', async () => {
    const messages = fill(dovecot, 'dave');
    const before = dovecot.messages('dave');
    const client = await login('dave');
    await client.dele(1);
    await client.dele(3);
    assert.match(await client.quit(), /messages deleted/);
    assert.equal(existsSync(before[0]!.path), false);
    assert.equal(existsSync(before[2]!.path), false);
    assert.deepEqual(
      dovecot.messages('dave').map((m) => ({ uid: m.uid, bytes: m.bytes })),
      [{ uid: before[1]!.uid, bytes: messages[1] }],
    );
    await using again = await login('dave');
    assert.deepEqual(await again.uidl(), [{ msg: 1, uid: before[1]!.uid }]);
  });

  it('close() without QUIT deletes nothing, and later commands fail with Pop3StateError', async () => {
    const messages = fill(dovecot, 'erin');
    const client = await login('erin');
    await client.deleMany([1, 2, 3]);
    assert.deepEqual(await client.stat(), { count: 0, size: 0 });
    client.close();
    assert.equal(client.state, 'closed');
    const error = await client.noop().catch((e: unknown) => e);
    assert.ok(error instanceof Pop3StateError, `got ${String(error)}`);
    await using again = await login('erin');
    assert.equal((await again.stat()).count, 3);
    assert.deepEqual(stored('erin'), messages);
  });

  it('await using sends QUIT at the end of the scope, which commits DELE', async () => {
    const messages = fill(dovecot, 'grace');
    let escaped: Pop3Client | undefined;
    {
      await using client = await login('grace');
      escaped = client;
      await client.dele(1);
    }
    assert.equal(escaped.state, 'closed');
    // Only QUIT deletes (close() does not, see above), so QUIT was sent and answered.
    assert.deepEqual(stored('grace'), messages.slice(1));
  });

  it('deleMany marks every message, pipelined; a bad number rejects after every reply', async () => {
    const messages = fill(dovecot, 'heidi');
    await using client = await login('heidi');
    const error = await client.deleMany([1, 9, 3]).catch((e: unknown) => e);
    assert.ok(error instanceof Pop3ServerError, `got ${String(error)}`);
    assert.equal(error.command, 'DELE');
    assert.equal(error.response, "There's no message 9.");
    assert.deepEqual(
      await client.list(),
      [{ msg: 2, size: messages[1]!.length }],
      'DELE 1 and DELE 3 applied',
    );
    await client.quit();
    assert.deepEqual(stored('heidi'), [messages[1]]);
  });
});
