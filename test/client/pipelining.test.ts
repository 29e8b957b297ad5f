// The command queue on the wire: one write for a pipelined batch (RFC 2449 §6.6), one command
// at a time without PIPELINING, replies in order, barriers that run alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Pop3Client, Pop3ServerError } from '../../src/index.js';
import { playScript, type ScriptedServer, type Step } from '../helpers/scripted-server.js';
import { CAPS, connect, multiline, opening, QUIT } from './support.js';

const PIPELINING = [...CAPS, 'PIPELINING'];

function session(
  caps: string[],
  steps: Step[],
  body: (client: Pop3Client, server: ScriptedServer) => Promise<void>,
  options: { maxInFlight?: number } = {},
) {
  return playScript([...opening(caps), ...steps], {}, async (server) => {
    await body(await connect(server, options), server);
  });
}

/** Index of the first wire event from `from` whose bytes contain `text`. */
function eventIndex(server: ScriptedServer, from: 'client' | 'server', text: string): number {
  const index = server.events.findIndex((e) => e.from === from && e.data.includes(text));
  assert.notEqual(index, -1, `no ${from} event with ${JSON.stringify(text)}`);
  return index;
}

describe('pipelining', () => {
  it('writes a batch of RETRs in one write when CAPA lists PIPELINING', async () => {
    const steps: Step[] = [
      { expectChunk: 'RETR 1\r\nRETR 2\r\nRETR 3\r\n' },
      { send: `${multiline(['one'])}${multiline(['two'])}${multiline(['three'])}` },
      ...QUIT,
    ];
    await session(PIPELINING, steps, async (client) => {
      const bodies = await Promise.all([client.retr(1), client.retr(2), client.retr(3)]);
      assert.deepEqual(
        bodies.map((b) => b.toString()),
        ['one\r\n', 'two\r\n', 'three\r\n'],
      );
      await client.quit();
    });
  });

  it('writes one command at a time without PIPELINING: the second only after the first reply', async () => {
    const steps: Step[] = [
      { expectChunk: 'RETR 1\r\n' },
      // Time for a wrongly pipelined RETR 2 to arrive before the reply; the order check below
      // catches it. A correct client cannot send it early, however slow the machine.
      { wait: 50 },
      { send: multiline(['one']) },
      { expectChunk: 'RETR 2\r\n' },
      { send: multiline(['two']) },
      ...QUIT,
    ];
    await session(CAPS, steps, async (client, server) => {
      const bodies = await Promise.all([client.retr(1), client.retr(2)]);
      assert.deepEqual(
        bodies.map((b) => b.toString()),
        ['one\r\n', 'two\r\n'],
      );
      assert.ok(eventIndex(server, 'client', 'RETR 2') > eventIndex(server, 'server', 'one'));
      await client.quit();
    });
  });

  it('resolves replies strictly in order, a -ERR in the middle included', async () => {
    const steps: Step[] = [
      { expectChunk: 'STAT\r\nLIST 9\r\nUIDL 1\r\nNOOP\r\n' },
      // Every reply in one write: nothing but order tells them apart.
      { send: '+OK 1 5\r\n-ERR no such message\r\n+OK 1 uid-1\r\n+OK\r\n' },
      ...QUIT,
    ];
    await session(PIPELINING, steps, async (client) => {
      const settled: string[] = [];
      const track = (name: string, promise: Promise<unknown>) =>
        promise.then(
          (value) => settled.push(`${name} ok ${JSON.stringify(value)}`),
          (error: Error) =>
            settled.push(`${name} ${error instanceof Pop3ServerError ? error.response : error}`),
        );
      await Promise.all([
        track('STAT', client.stat()),
        track('LIST', client.list(9)),
        track('UIDL', client.uidl(1)),
        track('NOOP', client.noop()),
      ]);
      assert.deepEqual(settled, [
        'STAT ok {"count":1,"size":5}',
        'LIST no such message',
        'UIDL ok {"msg":1,"uid":"uid-1"}',
        'NOOP ok ""',
      ]);
      await client.quit();
    });
  });

  it('does not shift the bodies of a batch when one RETR gets -ERR', async () => {
    const steps: Step[] = [
      { expectChunk: 'RETR 1\r\nRETR 2\r\nRETR 3\r\n' },
      { send: `${multiline(['one'])}-ERR [SYS/TEMP] message 2 is busy\r\n${multiline(['three'])}` },
      ...QUIT,
    ];
    await session(PIPELINING, steps, async (client) => {
      const [one, two, three] = await Promise.allSettled([client.retr(1), client.retr(2), client.retr(3)]);
      assert.deepEqual(one, { status: 'fulfilled', value: Buffer.from('one\r\n') });
      assert.equal(two.status, 'rejected');
      assert.equal((two as PromiseRejectedResult).reason.responseCode, 'SYS/TEMP');
      assert.deepEqual(three, { status: 'fulfilled', value: Buffer.from('three\r\n') });
      await client.quit();
    });
  });

  it('keeps replies in order when they arrive split across many reads', async () => {
    const replies = `+OK 2 9\r\n${multiline(['1 4', '2 5'])}${multiline(['a', '.b'].map((l) => l.replace(/^\./, '..')))}`;
    const steps: Step[] = [{ expectChunk: 'STAT\r\nLIST\r\nRETR 1\r\n' }];
    for (let i = 0; i < replies.length; i += 3) steps.push({ send: replies.slice(i, i + 3) }, { wait: 1 });
    steps.push(...QUIT);
    await session(PIPELINING, steps, async (client) => {
      const [stat, list, body] = await Promise.all([client.stat(), client.list(), client.retr(1)]);
      assert.deepEqual(stat, { count: 2, size: 9 });
      assert.deepEqual(list, [
        { msg: 1, size: 4 },
        { msg: 2, size: 5 },
      ]);
      assert.equal(body.toString(), 'a\r\n.b\r\n');
      await client.quit();
    });
  });

  it('writes at most maxInFlight commands ahead of their replies', async () => {
    const steps: Step[] = [
      { expectChunk: 'DELE 1\r\nDELE 2\r\n' },
      { send: '+OK 1\r\n' },
      { expectChunk: 'DELE 3\r\n' },
      { send: '+OK 2\r\n+OK 3\r\n' },
      ...QUIT,
    ];
    await session(
      PIPELINING,
      steps,
      async (client) => {
        assert.deepEqual(await Promise.all([client.dele(1), client.dele(2), client.dele(3)]), [
          '1',
          '2',
          '3',
        ]);
        await client.quit();
      },
      { maxInFlight: 2 },
    );
  });

  it('writes UTF8 alone and nothing behind it until its reply, even when pipelining', async () => {
    const steps: Step[] = [
      { expectChunk: 'NOOP\r\n' },
      { send: '+OK\r\n' },
      { expectChunk: 'UTF8\r\n' },
      { wait: 30 },
      { send: '+OK UTF8 enabled\r\n' },
      { expectChunk: 'STAT\r\nNOOP\r\n' },
      { send: '+OK 0 0\r\n+OK\r\n' },
      ...QUIT,
    ];
    await session(PIPELINING, steps, async (client, server) => {
      const results = await Promise.all([client.noop(), client.utf8(), client.stat(), client.noop()]);
      assert.deepEqual(results, ['', 'UTF8 enabled', { count: 0, size: 0 }, '']);
      assert.ok(eventIndex(server, 'client', 'STAT') > eventIndex(server, 'server', 'UTF8 enabled'));
      await client.quit();
    });
  });

  it('writes QUIT only after the replies it waits behind', async () => {
    const steps: Step[] = [
      { expectChunk: 'DELE 1\r\n' },
      { send: '+OK\r\n' },
      { expectChunk: 'QUIT\r\n' },
      { send: '+OK bye\r\n' },
      { close: true },
    ];
    await session(PIPELINING, steps, async (client) => {
      const [dele, quit] = await Promise.all([client.dele(1), client.quit()]);
      assert.deepEqual([dele, quit], ['', 'bye']);
    });
  });
});
