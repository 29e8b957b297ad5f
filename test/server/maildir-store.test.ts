import assert from 'node:assert/strict';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MailboxInUseError, MaildirStore, type Pop3Server } from '../../src/server/index.js';
import { TempMaildirs } from './helpers/maildir.js';
import type { RawClient } from './helpers/raw-client.js';
import { startServer, waitFor } from './helpers/server.js';

const crlf = (text: string): string => text.replace(/\n/g, '\r\n');

describe('MaildirStore', () => {
  let maildirs: TempMaildirs;
  let store: MaildirStore;
  let server: Pop3Server;
  let connect: () => Promise<RawClient>;

  before(async () => {
    maildirs = new TempMaildirs();
    store = new MaildirStore(maildirs.root);
    ({ server, connect } = await startServer({
      store,
      users: undefined,
      getPassword: (user) => (user.startsWith('u') || user === '../etc' ? 'pw' : undefined),
    }));
  });
  after(async () => {
    await server.close({ graceMs: 0 });
    maildirs.remove();
  });

  async function login(user: string): Promise<RawClient> {
    const client = await connect();
    await client.command(`USER ${user}`);
    const reply = await client.command('PASS pw');
    assert.match(reply, /^\+OK Logged in/, reply);
    return client;
  }

  it('serves cur/ and new/ with CRLF line ends, wire sizes and UIDs from the file names', async () => {
    const first = 'Subject: a\n\nbody a\n.dot line\n';
    const second = 'Subject: b\r\n\r\nalready CRLF\r\n';
    maildirs.deliver('u1', first, { name: '1700000001.M1P1.host' });
    maildirs.deliver('u1', second, { sub: 'cur', name: '1700000002.M2P2.host,S=30,W=31:2,S' });
    maildirs.deliver('u1', 'ignored', { name: '.hidden' });
    const client = await login('u1');
    const size1 = Buffer.byteLength(crlf(first));
    assert.equal(await client.command('STAT'), `+OK 2 ${size1 + 31}`, 'W= in the name is trusted');
    assert.equal(
      await client.commandMulti('LIST'),
      `+OK 2 messages (${size1 + 31} octets)\r\n1 ${size1}\r\n2 31\r\n.\r\n`,
    );
    assert.equal(
      await client.commandMulti('UIDL'),
      '+OK\r\n1 1700000001.M1P1.host\r\n2 1700000002.M2P2.host\r\n.\r\n',
    );
    assert.equal(
      await client.commandMulti('RETR 1'),
      `+OK ${size1} octets\r\nSubject: a\r\n\r\nbody a\r\n..dot line\r\n.\r\n`,
    );
    assert.equal(await client.commandMulti('RETR 2'), `+OK 31 octets\r\n${second}.\r\n`);
    assert.equal(
      await client.commandMulti('TOP 1 1'),
      '+OK Top of message follows\r\nSubject: a\r\n\r\nbody a\r\n.\r\n',
    );
    await client.command('QUIT');
  });

  it('unlinks deleted messages at QUIT only, and leaves them when the connection drops', async () => {
    maildirs.deliver('u2', 'Subject: 1\n\none\n');
    maildirs.deliver('u2', 'Subject: 2\n\ntwo\n');
    maildirs.deliver('u2', 'Subject: 3\n\nthree\n');
    const dropped = await login('u2');
    await dropped.command('DELE 1');
    dropped.close();
    await waitFor(() => !store.isLocked('u2'), 'the lock is released');
    assert.equal(maildirs.files('u2').length, 3);

    const client = await login('u2');
    assert.equal(await client.command('DELE 1'), '+OK Message 1 deleted');
    assert.equal(await client.command('DELE 3'), '+OK Message 3 deleted');
    assert.equal(maildirs.files('u2').length, 3, 'nothing unlinked before QUIT');
    assert.equal(await client.command('QUIT'), '+OK Logging out. 1 messages left');
    assert.deepEqual(maildirs.contents('u2'), ['Subject: 2\n\ntwo\n']);
  });

  it('neither shows nor deletes mail delivered during a session', async () => {
    maildirs.deliver('u3', 'Subject: old\n\nold\n');
    const client = await login('u3');
    maildirs.deliver('u3', 'Subject: new\n\narrived mid-session\n');
    assert.match(await client.command('STAT'), /^\+OK 1 /);
    await client.command('DELE 1');
    await client.command('QUIT');
    assert.deepEqual(maildirs.contents('u3'), ['Subject: new\n\narrived mid-session\n']);
    const next = await login('u3');
    assert.match(await next.command('STAT'), /^\+OK 1 /);
    await next.command('QUIT');
  });

  it('finds a message another program moved from new/ to cur/ mid-session', async () => {
    const name = maildirs.deliver('u4', 'Subject: moving\n\nbody\n');
    const client = await login('u4');
    const dir = join(maildirs.root, 'u4');
    renameSync(join(dir, 'new', name), join(dir, 'cur', `${name}:2,S`));
    assert.equal(
      await client.commandMulti('RETR 1'),
      '+OK 25 octets\r\nSubject: moving\r\n\r\nbody\r\n.\r\n',
    );
    await client.command('DELE 1');
    assert.equal(await client.command('QUIT'), '+OK Logging out. 0 messages left');
    assert.deepEqual(maildirs.files('u4'), []);
  });

  it('answers -ERR [IN-USE] while another session holds the Maildir', async () => {
    maildirs.mailbox('u5');
    const first = await login('u5');
    const second = await connect();
    await second.command('USER u5');
    assert.equal(await second.command('PASS pw'), '-ERR [IN-USE] Mailbox is locked by another POP3 session');
    await first.command('QUIT');
    second.close();
  });

  it("locks across store objects with a lock file, and takes over a dead process's lock", async () => {
    maildirs.deliver('u7', 'Subject: x\n\nx\n');
    const other = new MaildirStore(maildirs.root);
    const mailbox = await store.openMailbox('u7');
    await assert.rejects(other.openMailbox('u7'), MailboxInUseError);
    await mailbox.close();
    const again = await other.openMailbox('u7');
    assert.equal(again.messages.length, 1);
    await again.close();
    // A lock left by a crashed process (a pid that does not exist) does not block forever.
    const { hostname } = await import('node:os');
    writeFileSync(join(maildirs.root, 'u7', '.pop3kit.lock'), `999999999@${hostname()}`);
    const taken = await store.openMailbox('u7');
    await taken.close();
    assert.equal(existsSync(join(maildirs.root, 'u7', '.pop3kit.lock')), false);
  });

  it('treats a user without a Maildir as an empty mailbox', async () => {
    const client = await login('u-none');
    assert.equal(await client.command('STAT'), '+OK 0 0');
    assert.equal(await client.commandMulti('LIST'), '+OK 0 messages (0 octets)\r\n.\r\n');
    await client.command('QUIT');
  });

  it('refuses a user name that would leave the Maildir root', async () => {
    const client = await connect();
    await client.command('USER ../etc');
    assert.equal(await client.command('PASS pw'), '-ERR [SYS/PERM] Cannot open the mailbox');
    client.close();
  });

  it('answers -ERR [SYS/TEMP] for a message deleted from disk by another program', async () => {
    const name = maildirs.deliver('u6', 'Subject: gone\n\nsoon\n');
    const client = await login('u6');
    const { rmSync } = await import('node:fs');
    rmSync(join(maildirs.root, 'u6', 'new', name));
    assert.equal(await client.command('RETR 1'), '-ERR [SYS/TEMP] The message cannot be read now');
    await client.command('DELE 1');
    assert.equal(await client.command('QUIT'), '+OK Logging out. 0 messages left');
  });
});
