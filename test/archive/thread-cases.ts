// Threads step by step, for any store: a small conversation written by hand, ingested in an
// order that makes a reply come before its parent, two siblings of a parent that is never
// archived, a message without a Message-ID, and a late message that merges two threads.
import assert from 'node:assert/strict';
import type { Archive } from '../../src/archive/archive.js';
import { parseQuery } from '../../src/archive/query.js';

function mail(subject: string, headers: readonly string[]): Buffer {
  return Buffer.from(
    [
      'From: Ada <ada@example.org>',
      'To: Bob <bob@example.org>',
      `Subject: ${subject}`,
      'Date: Fri, 1 Mar 2024 10:00:00 +0000',
      ...headers,
      '',
      `About ${subject}.`,
      '',
    ].join('\r\n'),
  );
}

const MAIL = {
  a: mail('alpha', ['Message-ID: <a@thread.example>']),
  // A reply to b, which is not archived yet: In-Reply-To only, no References.
  c: mail('gamma', ['Message-ID: <c@thread.example>', 'In-Reply-To: <b@thread.example>']),
  // Two replies to a message that is never archived.
  d: mail('delta', ['Message-ID: <d@thread.example>', 'In-Reply-To: <lost@thread.example>']),
  e: mail('epsilon', ['Message-ID: <e@thread.example>', 'References: <lost@thread.example>']),
  // b answers a: it links a's thread and c's, which merge.
  b: mail('beta', [
    'Message-ID: <b@thread.example>',
    'In-Reply-To: <a@thread.example>',
    'References: <a@thread.example>',
  ]),
  f: mail('phi', ['Message-ID: <f@thread.example>']),
  // No Message-ID of its own; answers d.
  g: mail('gimel', [
    'In-Reply-To: <d@thread.example>',
    'References: <lost@thread.example> <d@thread.example>',
  ]),
};

type Name = keyof typeof MAIL;

/** Ingests the scenario into an empty `archive`, checking threads after each step. */
export async function checkThreadScenario(archive: Archive): Promise<void> {
  const ids = {} as Record<Name, number>;
  const ingest = async (name: Name) => {
    ids[name] = (await archive.ingest('work', name, MAIL[name])).id;
  };
  /** name -> thread number, for every message archived so far. */
  const threads = async () => {
    const rows = await archive.search(parseQuery(''));
    const byId = new Map(rows.map((r) => [r.id, r.thread]));
    return Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, byId.get(id)]));
  };
  const found = async (query: string) => {
    const rows = await archive.search(parseQuery(query));
    const names = Object.entries(ids)
      .filter(([, id]) => rows.some((r) => r.id === id))
      .map(([name]) => name);
    assert.equal(names.length, rows.length, `${query}: only scenario messages`);
    return names.sort().join('');
  };

  await ingest('a');
  await ingest('c');
  assert.deepEqual(await threads(), { a: ids.a, c: ids.c }, 'c names only b, not yet archived');
  assert.equal(await found('thread:<b@thread.example>'), 'c', 'an id only a reply names');
  await ingest('d');
  await ingest('e');
  assert.deepEqual(await threads(), { a: ids.a, c: ids.c, d: ids.d, e: ids.d }, 'siblings of a lost parent');
  await ingest('b');
  assert.deepEqual(
    await threads(),
    { a: ids.a, c: ids.a, d: ids.d, e: ids.d, b: ids.a },
    "b joins a's thread and c's: they merge under the lowest id",
  );
  await ingest('f');
  await ingest('g');
  assert.deepEqual(await threads(), {
    a: ids.a,
    c: ids.a,
    d: ids.d,
    e: ids.d,
    b: ids.a,
    f: ids.f,
    g: ids.d,
  });

  for (const [query, names] of [
    [`thread:${ids.c}`, 'abc'],
    [`thread:${ids.a}`, 'abc'],
    ['thread:<c@thread.example>', 'abc'],
    ['thread:a@thread.example', 'abc'],
    ['thread:"<b@thread.example>"', 'abc'],
    ['thread:lost@thread.example', 'deg'],
    [`thread:${ids.g}`, 'deg'],
    [`thread:${ids.f}`, 'f'],
    [`-thread:${ids.b}`, 'defg'],
    ['-thread:<lost@thread.example>', 'abcf'],
    [`thread:${ids.a} -subject:beta`, 'ac'],
    [`thread:${ids.a} thread:${ids.d}`, ''],
    [`-thread:${ids.a} -thread:${ids.d}`, 'f'],
    ['thread:<A@thread.example>', ''], // Message-IDs are compared exactly
    ['thread:<nobody@thread.example>', ''],
    ['-thread:<nobody@thread.example>', 'abcdefg'],
    [`thread:${ids.g + 1000}`, ''],
    [`-thread:${ids.g + 1000}`, 'abcdefg'],
  ] as const) {
    assert.equal(await found(query), names, query);
  }

  // Ingesting a message again changes no thread.
  await archive.ingest('home', 'b-again', MAIL.b);
  assert.equal(await found(`thread:${ids.a}`), 'abc');
}
