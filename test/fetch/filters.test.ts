// Header parsing for the filter rules, the rules, and the external filter command.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFilters, matchRule } from '../../src/fetch/filters.js';
import { decodeEncodedWords, headerValues, parseHeaders } from '../../src/fetch/headers.js';
import type { FilterRule } from '../../src/fetch/types.js';

const top = (text: string) => Buffer.from(text.replace(/\n/g, '\r\n'));

describe('headers', () => {
  it('unfolds continuation lines and stops at the blank line', () => {
    const headers = parseHeaders(
      top('Subject: a long\n  folded subject\nX-Empty:\nTo: x@y\n\nBody: not a header\n'),
    );
    assert.deepEqual(headers, [
      { name: 'Subject', value: 'a long  folded subject' },
      { name: 'X-Empty', value: '' },
      { name: 'To', value: 'x@y' },
    ]);
  });

  it('decodes RFC 2047 B and Q words in any charset, dropping the space between two words', () => {
    assert.equal(
      decodeEncodedWords('=?UTF-8?B?w6lsw6h2ZQ==?= and =?ISO-8859-1?Q?caf=E9_cr=E8me?='),
      'élève and café crème',
    );
    assert.equal(decodeEncodedWords('=?utf-8?q?a?= =?utf-8?q?b?='), 'ab');
    assert.equal(decodeEncodedWords('=?x-unknown?Q?plain?='), 'plain');
  });

  it('reads raw UTF-8 headers (RFC 6532) and falls back to Latin-1', () => {
    assert.deepEqual(headerValues(parseHeaders(Buffer.from('Subject: Grüße\r\n\r\n')), 'subject'), ['Grüße']);
    assert.deepEqual(
      headerValues(parseHeaders(Buffer.from('Subject: caf\xe9\r\n\r\n', 'latin1')), 'SUBJECT'),
      ['café'],
    );
  });
});

describe('filter rules and command', () => {
  const rules: FilterRule[] = [
    { header: 'Received', pattern: /spamhost/g, action: 'discard' },
    { header: 'subject', pattern: /^\[list\]/i, action: { deliverTo: { kind: 'maildir', path: '/lists' } } },
    { header: 'Subject', pattern: /later/, action: 'skip' },
  ];

  it('takes the first rule that matches any of the header values, case-insensitively by name', async () => {
    const received = top('Received: from good\nReceived: from spamhost\nSubject: [LIST] x\n\n');
    // A /g pattern keeps lastIndex between tests; it must not make the second message miss.
    assert.equal(matchRule(rules, received)?.action, 'discard');
    assert.equal(matchRule(rules, received)?.action, 'discard');
    assert.deepEqual(await applyFilters(top('Subject: [List] hi\n\n'), rules, undefined, 'u'), {
      action: 'deliver',
      destination: { kind: 'maildir', path: '/lists' },
    });
    assert.deepEqual(await applyFilters(top('Subject: see you later\n\n'), rules, undefined, 'u'), {
      action: 'skip',
      reason: 'filter',
    });
    assert.deepEqual(await applyFilters(top('Subject: other\n\n'), rules, undefined, 'u'), {
      action: 'deliver',
    });
  });

  it("runs the filter command on the headers with mpop's exit codes; others fail the message", async () => {
    const headers = top('Subject: hello\nX-Score: 7\n\n');
    const verdict = (command: string) => applyFilters(headers, [], command, 'uid-1');
    assert.deepEqual(await verdict('grep -q "^X-Score: 7$" && exit 0; exit 5'), { action: 'deliver' });
    assert.deepEqual(await verdict('exit 1'), { action: 'skip', reason: 'filter-command' });
    assert.deepEqual(await verdict('test "$POP3KIT_UID" = uid-1 && exit 2'), {
      action: 'discard',
      reason: 'filter-command',
    });
    const failed = await verdict('echo broken >&2; exit 4');
    assert.equal(failed.action, 'fail');
    assert.match((failed as { error: Error }).error.message, /exit status 4: broken/);
  });

  it('a rule decides before the command runs', async () => {
    assert.deepEqual(await applyFilters(top('Subject: later\n\n'), rules, 'exit 0', 'u'), {
      action: 'skip',
      reason: 'filter',
    });
  });
});
