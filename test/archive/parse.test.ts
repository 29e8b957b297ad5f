// MIME parsing for the archive: decoded headers and charsets, HTML-only bodies, address
// groups, attachments, and messages that do not parse.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { headerProblem, htmlToText, parseMessage } from '../../src/archive/parse.js';

const crlf = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');

describe('parseMessage', () => {
  it('decodes ISO-8859-1 encoded words, a Latin-1 quoted-printable body and threads', async () => {
    const parsed = await parseMessage(
      crlf([
        'From: =?ISO-8859-1?Q?J=FCrgen_Gro=DF?= <juergen@example.de>',
        'To: Bob <bob@example.com>, carol@example.net',
        'Cc: Team: dave@example.org, Eve <eve@example.org>;',
        'Subject: =?iso-8859-1?B?Q2Fm6SBa/HJpY2g=?=',
        'Date: Fri, 1 Mar 2024 23:30:00 -0500',
        'Message-ID: <m2@example.de>',
        'In-Reply-To: <m1@example.de>',
        'References: <m0@example.de>\r\n <m1@example.de>',
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Gr=FC=DFe aus Z=FCrich',
      ]),
    );
    assert.equal(parsed.parseError, null);
    assert.deepEqual(parsed.from, [{ name: 'Jürgen Groß', address: 'juergen@example.de' }]);
    assert.deepEqual(parsed.to, [
      { name: 'Bob', address: 'bob@example.com' },
      { name: '', address: 'carol@example.net' },
    ]);
    assert.deepEqual(
      parsed.cc.map((a) => a.address),
      ['dave@example.org', 'eve@example.org'],
    );
    assert.equal(parsed.subject, 'Café Zürich');
    assert.equal(parsed.date, Date.UTC(2024, 2, 2, 4, 30));
    assert.equal(parsed.messageId, '<m2@example.de>');
    assert.equal(parsed.inReplyTo, '<m1@example.de>');
    assert.deepEqual(parsed.references, ['<m0@example.de>', '<m1@example.de>']);
    assert.equal(parsed.text.trim(), 'Grüße aus Zürich');
  });

  it('takes the text of an HTML-only body, and hashes attachments', async () => {
    const content = Buffer.from('%PDF-1.4 fake');
    const parsed = await parseMessage(
      crlf([
        'From: a@example.org',
        'Subject: =?UTF-8?B?0J/RgNC40LLQtdGC?=',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<p>Fish &amp; chips</p><script>ignored()</script><p>caf&#233; &lt;ok&gt;</p>',
        '--b',
        'Content-Type: application/pdf; name="=?UTF-8?Q?R=C3=A9sum=C3=A9.pdf?="',
        'Content-Disposition: attachment',
        'Content-Transfer-Encoding: base64',
        '',
        content.toString('base64'),
        '--b--',
      ]),
    );
    assert.equal(parsed.subject, 'Привет');
    assert.equal(parsed.text, 'Fish & chips\ncafé <ok>');
    assert.equal(parsed.date, null);
    assert.equal(parsed.messageId, null);
    assert.deepEqual(parsed.attachments, [
      {
        name: 'Résumé.pdf',
        type: 'application/pdf',
        size: content.length,
        sha256: createHash('sha256').update(content).digest('hex'),
      },
    ]);
  });

  it('flags what does not parse and never throws', async () => {
    for (const raw of [
      Buffer.alloc(0),
      Buffer.from('no header here\n\nbody'),
      Buffer.from([0, 1, 2, 0xff]),
    ]) {
      const parsed = await parseMessage(raw);
      assert.ok(parsed.parseError, JSON.stringify(raw.toString('latin1')));
      assert.equal(parsed.subject, '');
      assert.deepEqual(parsed.attachments, []);
    }
  });
});

describe('headerProblem', () => {
  it('accepts fields, folded lines and an mbox From_ line; LF or CRLF', () => {
    assert.equal(
      headerProblem(Buffer.from('From x@y Sat Jan  1 00:00:00 2024\nSubject: a\n b\n\nbody')),
      null,
    );
    assert.equal(headerProblem(Buffer.from('Subject: a\r\nX-Y : z\r\n\r\nbody: not a header\r\n')), null);
    assert.equal(headerProblem(Buffer.from('Subject: only headers')), null);
  });

  it('names the problem', () => {
    assert.equal(headerProblem(Buffer.alloc(0)), 'empty message');
    assert.equal(
      headerProblem(Buffer.from(' folded\nSubject: a\n\n')),
      'continuation line before any header field',
    );
    assert.equal(headerProblem(Buffer.from('Subject: a\nnot a field\n\n')), 'malformed header line 2');
    assert.equal(headerProblem(Buffer.from('\n\nbody')), 'no header fields');
  });
});

describe('htmlToText', () => {
  it('drops tags, script and style, decodes entities, keeps block breaks', () => {
    assert.equal(
      htmlToText('<style>p{}</style><div>a&nbsp;b</div><div>&#x263A; &quot;q&quot; &bogus;</div>'),
      'a b\n☺ "q" &bogus;',
    );
  });
});
