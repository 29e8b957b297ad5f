// Debug output with poplib's levels through a pino-style logger: 1 shows commands and status
// lines, 2 also listing lines and message bodies (as octet counts); passwords, digests and
// SASL responses never appear.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DebugLevel, Pop3Client, Pop3Logger } from '../../src/index.js';
import { playScript, type Step } from '../helpers/scripted-server.js';
import { APOP_GREETING, CAPS, capaSteps, connect, loginSteps, opening, QUIT } from './support.js';

/** A logger that keeps "C: line" / "S: line" / "-: note" entries, and checks pino's call shape. */
function recordingLogger(): Pop3Logger & { entries: string[]; messages: string[] } {
  const entries: string[] = [];
  const messages: string[] = [];
  return {
    entries,
    messages,
    debug(object: Record<string, unknown>, message?: string) {
      assert.equal(typeof object, 'object');
      entries.push(`${String(object.pop3)}: ${String(object.line)}`);
      messages.push(message ?? '');
    },
  };
}

const SESSION: Step[] = [
  ...opening(CAPS, APOP_GREETING),
  ...loginSteps(),
  { expect: 'RETR 1\r\n' },
  { send: '+OK 7 octets\r\nhello\r\n.\r\n' },
  ...QUIT,
];

async function runSession(level: DebugLevel, logger: Pop3Logger): Promise<void> {
  await playScript(SESSION, {}, async (server) => {
    const client = await connect(server, { debugLevel: level, logger });
    await client.user('alice');
    await client.pass('secret');
    assert.equal((await client.retr(1)).toString(), 'hello\r\n');
    await client.quit();
  });
}

const LEVEL_1 = [
  'S: +OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>',
  'C: CAPA',
  'S: +OK Capability list follows',
  'C: USER alice',
  'S: +OK',
  'C: PASS ****',
  'S: +OK logged in',
  'C: CAPA',
  'S: +OK Capability list follows',
  'C: RETR 1',
  'S: +OK 7 octets',
  'C: QUIT',
  'S: +OK bye',
];

describe('debug log', () => {
  it('shows commands and status lines at level 1, with PASS ****', async () => {
    const logger = recordingLogger();
    await runSession(1, logger);
    assert.deepEqual(logger.entries, LEVEL_1);
    assert.ok(logger.messages.includes('pop3 C: PASS ****'), 'the message text is readable too');
    for (const message of logger.messages) assert.ok(!message.includes('secret'), message);
  });

  it('also shows listing lines and message sizes at level 2, never the password', async () => {
    const logger = recordingLogger();
    await runSession(2, logger);
    const capaBody = ['S: TOP', 'S: UIDL', 'S: USER', 'S: RESP-CODES'];
    assert.deepEqual(logger.entries, [
      ...LEVEL_1.slice(0, 3),
      ...capaBody,
      ...LEVEL_1.slice(3, 9),
      ...capaBody,
      ...LEVEL_1.slice(9, 11),
      'S: [7 octets of body]',
      ...LEVEL_1.slice(11),
    ]);
    for (const entry of [...logger.entries, ...logger.messages]) assert.ok(!entry.includes('secret'), entry);
  });

  it('shows nothing at level 0, and follows setDebugLevel', async () => {
    const logger = recordingLogger();
    const steps: Step[] = [
      ...opening(),
      { expect: 'NOOP\r\n' },
      { send: '+OK one\r\n' },
      { expect: 'NOOP\r\n' },
      { send: '+OK two\r\n' },
      { expect: 'NOOP\r\n' },
      { send: '+OK three\r\n' },
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client = await connect(server, { logger });
      await client.noop();
      client.setDebugLevel(1);
      await client.noop();
      client.setDebugLevel(0);
      await client.noop();
      await client.quit();
    });
    assert.deepEqual(logger.entries, ['C: NOOP', 'S: +OK two']);
  });

  it('hides the APOP digest and the SASL initial response', async () => {
    const logger = recordingLogger();
    const steps: Step[] = [
      ...opening(CAPS, APOP_GREETING),
      { expect: 'APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n' },
      { send: '-ERR [AUTH] no\r\n' },
      { expect: 'AUTH PLAIN AG1yb3NlAHRhbnN0YWFm\r\n' },
      { send: '+OK\r\n' },
      ...capaSteps(CAPS),
      ...QUIT,
    ];
    await playScript(steps, {}, async (server) => {
      const client: Pop3Client = await connect(server, { debugLevel: 2, logger });
      await assert.rejects(client.apop('mrose', 'tanstaaf'));
      await client.auth('PLAIN', { user: 'mrose', pass: 'tanstaaf' });
      await client.quit();
    });
    assert.ok(logger.entries.includes('C: APOP mrose ****'), logger.entries.join('\n'));
    assert.ok(logger.entries.includes('C: AUTH PLAIN ****'), logger.entries.join('\n'));
    for (const entry of [...logger.entries, ...logger.messages]) {
      assert.ok(!entry.includes('c4c9334bac560ecc979e58001b3e22fb'), entry);
      assert.ok(!entry.includes('AG1yb3NlAHRhbnN0YWFm'), entry);
      assert.ok(!entry.includes('tanstaaf'), entry);
    }
  });

  it('writes to stderr when no logger is given', async () => {
    const written: string[] = [];
    const original = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    try {
      await playScript([...opening(), ...QUIT], {}, async (server) => {
        const client = await connect(server, { debugLevel: 1 });
        await client.quit();
      });
    } finally {
      process.stderr.write = original;
    }
    assert.ok(written.includes('pop3 C: QUIT\n'), written.join(''));
  });
});
