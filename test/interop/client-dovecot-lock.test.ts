// The pop3kit client against a Dovecot that allows one POP3 session per mailbox
// (pop3_lock_session = yes): the second login gets -ERR [IN-USE] (RFC 2449 §8.1.2).
// Dovecot waits for the lock for about 10 s before it answers, so this file takes that long.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type ConnectOptions,
  Pop3AuthError,
  Pop3Client,
  Pop3ConnectionError,
  Pop3StateError,
} from '../../src/index.js';
import { type DovecotInstance, dovecotSkipReason, startDovecot } from '../helpers/dovecot.js';

const ALICE = { user: 'alice', pass: 'alice-pass', mechanism: 'USER' };
const MESSAGE = Buffer.from('Subject: locked\r\n\r\nbody\r\n', 'latin1');

const skip = dovecotSkipReason();
describe('Pop3Client against Dovecot with pop3_lock_session', { skip }, () => {
  let dovecot: DovecotInstance;
  const options = (): ConnectOptions => ({
    host: dovecot.host,
    port: dovecot.port,
    tls: { ca: dovecot.caPem },
    // Longer than Dovecot's wait for the lock.
    timeout: 30_000,
  });

  before(async () => {
    const instance = await startDovecot({ extraConfig: 'pop3_lock_session = yes' });
    assert.ok(instance, 'startDovecot returned undefined although dovecot is installed');
    dovecot = instance;
    dovecot.addMessage('alice', MESSAGE);
  });

  after(async () => {
    await dovecot?.stop();
  });

  it('refuses a second session with Pop3AuthError [IN-USE] until the first one quits', async () => {
    const first = await Pop3Client.connect({ ...options(), auth: ALICE });
    const second = await Pop3Client.connect(options());
    try {
      const error = await second.login(ALICE).catch((e: unknown) => e);
      assert.ok(error instanceof Pop3AuthError, `got ${String(error)}`);
      assert.equal(error.command, 'PASS');
      assert.equal(error.responseCode, 'IN-USE');
      assert.match(error.response, /^\[IN-USE\] /);
      // Dovecot has already accepted the password, so it ends this session after the -ERR.
      const next = await second.noop().catch((e: unknown) => e);
      assert.ok(next instanceof Pop3ConnectionError || next instanceof Pop3StateError, `got ${String(next)}`);
      assert.equal(second.state, 'closed');

      assert.deepEqual(await first.retr(1), MESSAGE, 'the session holding the lock is unaffected');
      await first.quit();
      await using third = await Pop3Client.connect({ ...options(), auth: ALICE });
      assert.deepEqual(await third.retr(1), MESSAGE);
    } finally {
      first.close();
      second.close();
    }
  });
});
