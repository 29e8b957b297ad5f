// The search query language: every operator, phrases, negation, local-time days and the
// errors for malformed queries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localDayStart, parseQuery, QuerySyntaxError } from '../../src/archive/query.js';

function syntaxError(query: string, pattern: RegExp, position?: number): void {
  assert.throws(
    () => parseQuery(query),
    (error: unknown) => {
      assert.ok(error instanceof QuerySyntaxError, `expected QuerySyntaxError for ${query}`);
      assert.match(error.message, pattern);
      assert.equal(error.code, 'POP3KIT_QUERY_SYNTAX');
      if (position !== undefined) assert.equal(error.position, position);
      return true;
    },
  );
}

describe('parseQuery', () => {
  it('an empty or blank query has no terms', () => {
    assert.deepEqual(parseQuery(''), { terms: [] });
    assert.deepEqual(parseQuery('  \t '), { terms: [] });
  });

  it('free words are AND-ed text terms', () => {
    assert.deepEqual(parseQuery('invoice  café'), {
      terms: [
        { kind: 'text', value: 'invoice', phrase: false, negated: false },
        { kind: 'text', value: 'café', phrase: false, negated: false },
      ],
    });
  });

  it('double quotes make a phrase, keeping inner spaces and colons', () => {
    assert.deepEqual(parseQuery('"quarterly report: Q3"'), {
      terms: [{ kind: 'text', value: 'quarterly report: Q3', phrase: true, negated: false }],
    });
  });

  for (const field of ['from', 'to', 'subject'] as const) {
    it(`${field}: takes a word or a quoted phrase`, () => {
      assert.deepEqual(parseQuery(`${field}:alice@example.org`).terms, [
        { kind: 'field', field, value: 'alice@example.org', phrase: false, negated: false },
      ]);
      assert.deepEqual(parseQuery(`${field}:"Alice Archer"`).terms, [
        { kind: 'field', field, value: 'Alice Archer', phrase: true, negated: false },
      ]);
    });
  }

  it('operator names are case-insensitive', () => {
    assert.deepEqual(parseQuery('FROM:bob').terms, [
      { kind: 'field', field: 'from', value: 'bob', phrase: false, negated: false },
    ]);
  });

  it('account: is an exact account name', () => {
    assert.deepEqual(parseQuery('account:work').terms, [{ kind: 'account', value: 'work', negated: false }]);
    assert.deepEqual(parseQuery('account:"my work"').terms, [
      { kind: 'account', value: 'my work', negated: false },
    ]);
  });

  it('has:attachment (any case)', () => {
    assert.deepEqual(parseQuery('has:attachment has:Attachment').terms, [
      { kind: 'has', what: 'attachment', negated: false },
      { kind: 'has', what: 'attachment', negated: false },
    ]);
  });

  it('after: and before: carry the day and its local midnight', () => {
    const [after, before] = parseQuery('after:2024-03-01 before:2024-04-01').terms;
    assert.deepEqual(after, {
      kind: 'after',
      day: '2024-03-01',
      time: new Date(2024, 2, 1).getTime(),
      negated: false,
    });
    assert.deepEqual(before, {
      kind: 'before',
      day: '2024-04-01',
      time: new Date(2024, 3, 1).getTime(),
      negated: false,
    });
  });

  it('days follow the TZ of the process', () => {
    // The test runner's TZ is whatever it is; local midnight must equal the Date constructor's.
    assert.equal(localDayStart('2024-02-29'), new Date(2024, 1, 29, 0, 0, 0, 0).getTime());
    assert.equal(new Date(localDayStart('2024-07-15')).getHours(), 0);
  });

  it('thread: takes an archive id (digits) or a Message-ID, kept in angle brackets', () => {
    assert.deepEqual(parseQuery('thread:42').terms, [{ kind: 'thread', by: 'id', id: 42, negated: false }]);
    assert.deepEqual(parseQuery('thread:007').terms, [{ kind: 'thread', by: 'id', id: 7, negated: false }]);
    for (const value of [
      '<a.b@example.org>',
      'a.b@example.org',
      '"<a.b@example.org>"',
      '"a.b@example.org"',
    ]) {
      assert.deepEqual(parseQuery(`thread:${value}`).terms, [
        { kind: 'thread', by: 'message-id', messageId: '<a.b@example.org>', negated: false },
      ]);
    }
    // A Message-ID that is all digits goes in angle brackets; case is kept.
    assert.deepEqual(parseQuery('THREAD:<123> thread:Ab$C%x').terms, [
      { kind: 'thread', by: 'message-id', messageId: '<123>', negated: false },
      { kind: 'thread', by: 'message-id', messageId: '<Ab$C%x>', negated: false },
    ]);
  });

  it('thread: composes with other terms and negates', () => {
    assert.deepEqual(parseQuery('-thread:12 from:ada -thread:<x@y>').terms, [
      { kind: 'thread', by: 'id', id: 12, negated: true },
      { kind: 'field', field: 'from', value: 'ada', phrase: false, negated: false },
      { kind: 'thread', by: 'message-id', messageId: '<x@y>', negated: true },
    ]);
  });

  it('thread: refuses an empty value, empty or unbalanced brackets, spaces and huge ids', () => {
    syntaxError('thread:', /empty value for 'thread:'/, 0);
    syntaxError('from:ada thread: x', /empty value for 'thread:'/, 9);
    syntaxError('ok -thread:', /empty value for 'thread:'/, 4);
    syntaxError('thread:""', /empty value for 'thread:'/, 0);
    syntaxError('a thread:<>', /empty Message-ID for 'thread:'/, 2);
    syntaxError('thread:"<>"', /empty Message-ID for 'thread:'/, 0);
    syntaxError('a b thread:<x@y', /unbalanced angle brackets in 'thread:<x@y'/, 4);
    syntaxError('thread:x@y>', /unbalanced angle brackets/, 0);
    syntaxError('thread:<', /unbalanced angle brackets/, 0);
    syntaxError('x -thread:"<a b@c>"', /bad Message-ID '<a b@c>' for 'thread:'/, 3);
    syntaxError('thread:<a<b@c>', /bad Message-ID/, 0);
    syntaxError('thread:99999999999999999999', /message id '99999999999999999999' is too large/, 0);
    syntaxError('thread:"<a@b>"x', /closing quote must be followed by a space/, 14);
  });

  it('- negates any term or operator', () => {
    const terms = parseQuery(
      '-spam -"big sale" -from:eve -to:bob -subject:re -account:lists -has:attachment -after:2024-01-01 -before:2024-01-02 -thread:3',
    ).terms;
    assert.equal(terms.length, 10);
    for (const term of terms) assert.equal(term.negated, true, JSON.stringify(term));
    assert.deepEqual(terms[1], { kind: 'text', value: 'big sale', phrase: true, negated: true });
  });

  it('a dash inside a word is not negation', () => {
    assert.deepEqual(parseQuery('e-mail').terms, [
      { kind: 'text', value: 'e-mail', phrase: false, negated: false },
    ]);
  });

  it('non-ASCII words and values pass through unchanged', () => {
    assert.deepEqual(parseQuery('Привет subject:Zürich').terms, [
      { kind: 'text', value: 'Привет', phrase: false, negated: false },
      { kind: 'field', field: 'subject', value: 'Zürich', phrase: false, negated: false },
    ]);
  });

  it('unknown operators are refused, naming the operator and the way out', () => {
    syntaxError('foo:bar', /unknown operator 'foo:'.*quote/, 0);
    syntaxError('invoice cc:bob', /unknown operator 'cc:'/, 8);
    syntaxError('-label:x', /unknown operator 'label:'/, 1);
    syntaxError(
      'id:x',
      /unknown operator 'id:' \(known: from: to: subject: account: after: before: has: thread:;/,
      0,
    );
  });

  it('a quoted colon is searchable text', () => {
    assert.deepEqual(parseQuery('"re:"').terms, [
      { kind: 'text', value: 're:', phrase: true, negated: false },
    ]);
  });

  it('bad dates are refused', () => {
    syntaxError('after:2024-13-01', /bad date '2024-13-01': no such day/);
    syntaxError('before:2023-02-29', /no such day/);
    syntaxError('after:2024-1-1', /expected YYYY-MM-DD/);
    syntaxError('after:yesterday', /expected YYYY-MM-DD/);
    syntaxError('before:"2024-01-01 12:00"', /expected YYYY-MM-DD/);
  });

  it('unterminated quotes are refused at the opening quote', () => {
    syntaxError('"big sale', /unterminated quote/, 0);
    syntaxError('from:"Alice', /unterminated quote/, 5);
    syntaxError('ok -"x', /unterminated quote/, 4);
  });

  it('empty values, lone dashes and empty phrases are refused', () => {
    syntaxError('from:', /empty value for 'from:'/);
    syntaxError('from: alice', /empty value for 'from:'/);
    syntaxError('subject:""', /empty value for 'subject:'/);
    syntaxError('a - b', /'-' must be followed by a term/, 2);
    syntaxError('-', /'-' must be followed by a term/);
    syntaxError('""', /empty phrase/);
  });

  it('has: accepts only attachment', () => {
    syntaxError('has:star', /unknown value 'star' for 'has:'/);
  });

  it('stray quotes inside or after a word are refused', () => {
    syntaxError('ab"c', /quote inside a word/, 2);
    syntaxError('"a"b', /closing quote must be followed by a space/, 3);
    syntaxError('from:"a"b', /closing quote must be followed by a space/);
  });
});
