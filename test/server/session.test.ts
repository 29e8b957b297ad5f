import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { apopDigest } from '../../src/sasl/index.js';
import type { MemoryStore, Pop3Server } from '../../src/server/index.js';
import type { RawClient } from './helpers/raw-client.js';
import { ALICE_MESSAGES, loginAlice, startServer, waitFor } from './helpers/server.js';

/** The message as the server sends it: bare LF turned into CRLF. */
const wire = (message: string): string => message.replace(/(?<!\r)\n/g, '\r\n');
const sizes = ALICE_MESSAGES.map((m) => Buffer.byteLength(wire(m)));
const total = sizes.reduce((a, b) => a + b, 0);

describe('POP3 session (RFC 1939) over a real socket', () => {
  let server: Pop3Server;
  let store: MemoryStore;
  let connect: () => Promise<RawClient>;

  before(async () => {
    ({ server, store, connect } = await startServer());
  });
  after(() => server.close({ graceMs: 0 }));

  it('greets with +OK and an APOP timestamp', async () => {
    const client = await connect();
    assert.match(client.greeting, /^\+OK pop3kit ready\. <\d+\.[0-9a-f]{12}\.\d+@pop3kit\.test>$/);
    assert.equal(await client.command('QUIT'), '+OK Logging out.');
    await client.closed();
  });

  it('lists capabilities before login, and fewer after', async () => {
    const client = await connect();
    assert.equal(
      await client.commandMulti('CAPA'),
      '+OK Capability list follows\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nUSER\r\n' +
        'SASL SCRAM-SHA-256 SCRAM-SHA-1 CRAM-MD5 PLAIN LOGIN\r\nUTF8 USER\r\nIMPLEMENTATION pop3kit\r\n.\r\n',
    );
    await client.command('USER alice');
    await client.command('PASS secret');
    assert.equal(
      await client.commandMulti('CAPA'),
      '+OK Capability list follows\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n' +
        'IMPLEMENTATION pop3kit\r\n.\r\n',
    );
    await client.command('QUIT');
  });

  it('logs in with USER/PASS and reports the maildrop', async () => {
    const client = await connect();
    assert.equal(await client.command('USER alice'), '+OK');
    assert.equal(await client.command('PASS secret'), `+OK Logged in. 3 messages (${total} octets)`);
    assert.equal(await client.command('STAT'), `+OK 3 ${total}`);
    assert.equal(
      await client.commandMulti('LIST'),
      `+OK 3 messages (${total} octets)\r\n1 ${sizes[0]}\r\n2 ${sizes[1]}\r\n3 ${sizes[2]}\r\n.\r\n`,
    );
    assert.equal(await client.command('LIST 2'), `+OK 2 ${sizes[1]}`);
    const uids = store.messages('alice').map((m) => m.uid);
    assert.equal(
      await client.commandMulti('UIDL'),
      `+OK\r\n1 ${uids[0]}\r\n2 ${uids[1]}\r\n3 ${uids[2]}\r\n.\r\n`,
    );
    assert.equal(await client.command('UIDL 3'), `+OK 3 ${uids[2]}`);
    assert.equal(await client.command('NOOP'), '+OK');
    assert.equal(await client.command('QUIT'), '+OK Logging out. 3 messages left');
    await client.closed();
  });

  it('sends RETR dot-stuffed with CRLF line ends and the octet count', async () => {
    const client = await loginAlice(connect);
    assert.equal(
      await client.commandMulti('RETR 1'),
      `+OK ${sizes[0]} octets\r\n${wire(ALICE_MESSAGES[0]!)}.\r\n`,
    );
    assert.equal(
      await client.commandMulti('RETR 2'),
      `+OK ${sizes[1]} octets\r\n${wire(ALICE_MESSAGES[1]!).replace('\r\n.leading', '\r\n..leading')}.\r\n`,
    );
    assert.equal(
      await client.commandMulti('RETR 3'),
      `+OK ${sizes[2]} octets\r\nSubject: three\r\n\r\nbare LF body\r\n.\r\n`,
    );
    await client.command('QUIT');
  });

  it('sends TOP: headers, the empty line and n body lines', async () => {
    const client = await loginAlice(connect);
    assert.equal(
      await client.commandMulti('TOP 2 0'),
      '+OK Top of message follows\r\nFrom: carol@example.org\r\nSubject: two\r\n\r\n.\r\n',
    );
    assert.equal(
      await client.commandMulti('TOP 2 2'),
      '+OK Top of message follows\r\nFrom: carol@example.org\r\nSubject: two\r\n\r\n..leading dot\r\nline 2\r\n.\r\n',
    );
    assert.equal(
      await client.commandMulti('TOP 2 99'),
      `+OK Top of message follows\r\n${wire(ALICE_MESSAGES[1]!).replace('\r\n.leading', '\r\n..leading')}.\r\n`,
    );
    await client.command('QUIT');
  });

  it('marks deletions, hides them, restores them on RSET and removes them only at QUIT', async () => {
    const client = await loginAlice(connect);
    assert.equal(await client.command('DELE 1'), '+OK Message 1 deleted');
    assert.equal(await client.command('DELE 1'), '-ERR Message 1 already deleted');
    assert.equal(await client.command('RETR 1'), '-ERR Message 1 already deleted');
    assert.equal(await client.command('LIST 1'), '-ERR Message 1 already deleted');
    assert.equal(await client.command('STAT'), `+OK 2 ${total - sizes[0]!}`);
    assert.equal(
      await client.commandMulti('LIST'),
      `+OK 2 messages (${total - sizes[0]!} octets)\r\n2 ${sizes[1]}\r\n3 ${sizes[2]}\r\n.\r\n`,
    );
    assert.equal(await client.command('RSET'), `+OK Maildrop has 3 messages (${total} octets)`);
    assert.equal(await client.command('STAT'), `+OK 3 ${total}`);
    assert.equal(await client.command('DELE 2'), '+OK Message 2 deleted');
    // Numbers stay fixed for the whole session: message 3 is still number 3.
    assert.equal(await client.command('LIST 3'), `+OK 3 ${sizes[2]}`);
    assert.equal(store.messages('alice').length, 3, 'nothing removed before QUIT');
    assert.equal(await client.command('QUIT'), '+OK Logging out. 2 messages left');
    await client.closed();
    assert.deepEqual(
      store.messages('alice').map((m) => m.body.toString()),
      [ALICE_MESSAGES[0], ALICE_MESSAGES[2]],
    );
    store.add('alice', ALICE_MESSAGES[1]!); // put it back for the other tests (at the end)
    const client2 = await loginAlice(connect);
    assert.equal(await client2.command('STAT'), `+OK 3 ${total}`);
    await client2.command('QUIT');
  });

  it('deletes nothing when the connection drops without QUIT', async () => {
    const before = store.messages('alice').length;
    const client = await loginAlice(connect);
    await client.command('DELE 1');
    await client.command('DELE 2');
    client.close();
    await waitFor(() => !store.isLocked('alice'));
    assert.equal(store.messages('alice').length, before);
  });

  it('answers a second session on a locked mailbox with -ERR [IN-USE]', async () => {
    const first = await loginAlice(connect);
    const second = await connect();
    await second.command('USER alice');
    assert.equal(
      await second.command('PASS secret'),
      '-ERR [IN-USE] Mailbox is locked by another POP3 session',
    );
    // The refused session may go on and log in as someone else.
    await second.command('USER bob');
    assert.equal(await second.command('PASS builder'), '+OK Logged in. 0 messages (0 octets)');
    assert.equal(await first.command('QUIT'), '+OK Logging out. 3 messages left');
    // QUIT releases the lock before answering, so a new login works at once.
    const third = await loginAlice(connect);
    await third.command('QUIT');
    await second.command('QUIT');
  });

  it('refuses a wrong password with -ERR [AUTH] and requires USER again', async () => {
    const client = await connect();
    await client.command('USER alice');
    assert.equal(await client.command('PASS wrong'), '-ERR [AUTH] Authentication failed.');
    assert.equal(await client.command('PASS secret'), '-ERR No username given, send USER first');
    await client.command('USER nobody');
    assert.equal(await client.command('PASS secret'), '-ERR [AUTH] Authentication failed.');
    await client.command('USER alice');
    assert.match(await client.command('PASS secret'), /^\+OK Logged in/);
    await client.command('QUIT');
  });

  it('accepts a password with spaces (the rest of the PASS line)', async () => {
    const { server: spaced, connect: connectSpaced } = await startServer({
      users: { carol: 'two words  here' },
    });
    const client = await connectSpaced();
    await client.command('USER carol');
    assert.match(await client.command('PASS two words  here'), /^\+OK Logged in/);
    await client.command('QUIT');
    await spaced.close();
  });

  it('logs in with APOP using the greeting timestamp (RFC 1939 §7)', async () => {
    const client = await connect();
    const timestamp = /<[^>]+>/.exec(client.greeting)![0];
    assert.equal(
      await client.command('APOP alice 0123456789abcdef0123456789abcdef'),
      '-ERR [AUTH] Authentication failed.',
    );
    assert.match(await client.command(`APOP alice ${apopDigest(timestamp, 'secret')}`), /^\+OK Logged in/);
    await client.command('QUIT');
  });

  it('takes UTF8 before login only (RFC 6856)', async () => {
    const client = await connect();
    assert.equal(await client.command('UTF8'), '+OK UTF8 enabled');
    await client.command('USER alice');
    await client.command('PASS secret');
    assert.equal(await client.command('UTF8'), '-ERR UTF8 is not valid in the TRANSACTION state');
    await client.command('QUIT');
  });

  it('uses onAuth to judge USER/PASS when given', async () => {
    const seen: string[] = [];
    const { server: hooked, connect: connectHooked } = await startServer({
      users: undefined,
      onAuth: ({ user, password }) => {
        seen.push(user);
        return user === 'alice' && password === 'from-hook';
      },
    });
    const client = await connectHooked();
    assert.doesNotMatch(client.greeting, /</, 'no APOP timestamp without a password lookup');
    await client.command('USER alice');
    assert.equal(await client.command('PASS secret'), '-ERR [AUTH] Authentication failed.');
    await client.command('USER alice');
    assert.match(await client.command('PASS from-hook'), /^\+OK Logged in/);
    assert.deepEqual(seen, ['alice', 'alice']);
    await client.command('QUIT');
    await hooked.close();
  });

  it('lets onRetrieve and onDelete refuse with their own -ERR text', async () => {
    const { server: hooked, connect: connectHooked } = await startServer({
      onRetrieve: ({ msg }) => {
        if (msg === 2) throw new Error('[SYS/PERM] message 2 is quarantined');
      },
      onDelete: ({ uid }) => {
        if (uid !== '') throw new Error('deletion disabled');
      },
    });
    const client = await loginAlice(connectHooked);
    assert.equal(await client.command('RETR 2'), '-ERR [SYS/PERM] message 2 is quarantined');
    assert.match(await client.commandMulti('RETR 1'), /^\+OK \d+ octets\r\n/);
    assert.equal(await client.command('DELE 1'), '-ERR deletion disabled');
    await client.command('QUIT');
    await hooked.close();
  });
});
