/**
 * Realistic generated mail for the demo: newsletters, threads with replies, multipart/alternative
 * with HTML, attachments (CSV, a PNG, a calendar invite, one large file), UTF-8 bodies in
 * quoted-printable, RFC 2047 encoded-word headers, RFC 2231 file names, Received chains and a
 * line that starts with a dot. Seeded, so every run makes the same mailbox (and the same UIDs).
 */

import { seededRandom } from './seeded-random.js';

interface Person {
  readonly name: string;
  readonly address: string;
}

const PEOPLE: readonly Person[] = [
  { name: 'Ada Lovelace', address: 'ada@analytical.example.org' },
  { name: 'Jürgen Schmidt', address: 'juergen.schmidt@example.de' },
  { name: '李伟', address: 'li.wei@example.cn' },
  { name: 'Zoë Ångström', address: 'zoe@example.se' },
  { name: 'Олег Петров', address: 'oleg@example.ru' },
  { name: 'Grace Hopper', address: 'grace@navy.example.mil' },
  { name: 'Søren Kierkegaard', address: 'soren@example.dk' },
  { name: 'Amélie Poulain', address: 'amelie@example.fr' },
];
const ME: Person = { name: 'Demo User', address: 'demo@example.net' };

const TOPICS = [
  'Quarterly report',
  'Lunch on Friday?',
  'Build is green again',
  'Café plans for the offsite',
  'Übersetzung der Dokumentation',
  'Invoice 2026-118',
  '会议纪要 (meeting notes)',
  'Отчёт о поездке',
  'Release checklist',
  'Grüße aus München ☀',
];
const LINES = [
  'Thanks for the update, that all looks good to me.',
  'Could you have a look before Thursday? No rush otherwise.',
  'I have attached the numbers we talked about.',
  'Grüße aus dem Büro — der Kaffee ist wieder da.',
  'Le café est prêt, on se retrouve à midi ?',
  '下周一我们再讨论一下这个问题。',
  'Давайте обсудим это на следующей неделе.',
  'The staging deploy went fine; production is scheduled for tonight.',
  'Let me know if anything is unclear.',
];

// A 1x1 PNG, as real mail clients attach screenshots.
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

const isAscii = (s: string) => /^[\x20-\x7e]*$/.test(s);

/** RFC 2047 encoded-word: B for scripts that are mostly non-Latin, Q otherwise. */
function encodeWord(text: string, prefer: 'B' | 'Q'): string {
  if (isAscii(text)) return text;
  if (prefer === 'B') return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
  const q = [...Buffer.from(text, 'utf8')]
    .map((b) => {
      if (b === 0x20) return '_';
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9!*+\-/]/.test(c) ? c : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `=?UTF-8?Q?${q}?=`;
}

function mailbox(person: Person, prefer: 'B' | 'Q'): string {
  const name = isAscii(person.name) ? `"${person.name}"` : encodeWord(person.name, prefer);
  return `${name} <${person.address}>`;
}

/** One line of bytes in quoted-printable (RFC 2045 §6.7): soft line breaks at 76 (the
 * archive bench's generator encodes its Latin-1 lines with it too). */
export function quotedPrintableLine(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let encoded = '';
  for (const b of bytes) {
    encoded +=
      (b >= 33 && b <= 126 && b !== 0x3d) || b === 32
        ? String.fromCharCode(b)
        : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  encoded = encoded.replace(/ $/, '=20');
  while (encoded.length > 76) {
    let cut = 75;
    // Never split an =XX escape.
    if (encoded[cut - 1] === '=') cut -= 1;
    else if (encoded[cut - 2] === '=') cut -= 2;
    out.push(`${encoded.slice(0, cut)}=`);
    encoded = encoded.slice(cut);
  }
  out.push(encoded);
  return out;
}

function quotedPrintable(text: string): string {
  return text
    .split('\n')
    .flatMap((line) => quotedPrintableLine(Buffer.from(line, 'utf8')))
    .join('\r\n');
}

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

function rfc5322Date(date: Date): string {
  return date
    .toUTCString()
    .replace(/GMT$/, '+0000')
    .replace(/^(\w+), 0?/, '$1, ');
}

interface Part {
  readonly headers: readonly string[];
  readonly body: string;
}

function textPart(text: string): Part {
  return {
    headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'],
    body: quotedPrintable(text),
  };
}

function htmlPart(text: string): Part {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const html = `<!DOCTYPE html>\n<html><body style="font-family: sans-serif">\n${escaped
    .split('\n')
    .map((l) => (l === '' ? '<br>' : `<p>${l}</p>`))
    .join('\n')}\n</body></html>`;
  return {
    headers: ['Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'],
    body: quotedPrintable(html),
  };
}

function attachment(filename: string, type: string, data: Buffer): Part {
  const ascii = isAscii(filename);
  const param = ascii
    ? `filename="${filename}"`
    : `filename*=UTF-8''${encodeURIComponent(filename).replace(/'/g, '%27')}`;
  return {
    headers: [
      `Content-Type: ${type}; name="${ascii ? filename : encodeWord(filename, 'Q')}"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; ${param}`,
    ],
    body: base64Lines(data),
  };
}

function multipart(subtype: string, boundary: string, parts: readonly Part[]): Part {
  const body = [
    'This is a multi-part message in MIME format.',
    ...parts.flatMap((p) => [`--${boundary}`, ...p.headers, '', p.body]),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return { headers: [`Content-Type: multipart/${subtype}; boundary="${boundary}"`], body };
}

function csvReport(rand: () => number): Buffer {
  const rows = ['region,quarter,revenue,growth'];
  for (const region of ['Nord', 'Süd', 'Ost', 'West'])
    for (const quarter of ['Q1', 'Q2', 'Q3', 'Q4'])
      rows.push(
        `${region},${quarter},${Math.round(rand() * 90000 + 10000)},${(rand() * 20 - 5).toFixed(1)}%`,
      );
  return Buffer.from(`${rows.join('\r\n')}\r\n`, 'utf8');
}

function calendarInvite(start: Date, subject: string): Buffer {
  const stamp = (d: Date) =>
    d
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  const end = new Date(start.getTime() + 3_600_000);
  return Buffer.from(
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//pop3kit//demo//EN',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      `UID:${stamp(start)}@pop3kit.example`,
      `DTSTART:${stamp(start)}`,
      `DTEND:${stamp(end)}`,
      `SUMMARY:${subject}`,
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n'),
    'utf8',
  );
}

function noise(rand: () => number, size: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = Math.floor(rand() * 256);
  return data;
}

/** `count` messages as they would sit in a mailbox, CRLF line ends; the same on every call. */
export function demoMailbox(count = 150): string[] {
  const rand = seededRandom(0x90b3);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const start = Date.UTC(2026, 9, 1, 8, 0, 0);
  const messages: string[] = [];
  const threads: { subject: string; ids: string[] }[] = [];

  for (let i = 0; i < count; i++) {
    const n = i + 1;
    const date = new Date(start + i * 47 * 60_000 + Math.floor(rand() * 40) * 60_000);
    const id = `<${date.getTime().toString(36)}.${n}@mail.pop3kit.example>`;
    const kind =
      i === 0
        ? 'welcome'
        : i % 37 === 11
          ? 'large'
          : pick(['plain', 'plain', 'reply', 'html', 'attachment', 'newsletter', 'invite']);
    const from =
      kind === 'newsletter'
        ? { name: 'pop3kit Weekly', address: 'news@lists.pop3kit.example' }
        : pick(PEOPLE);
    const prefer: 'B' | 'Q' = /[\u0400-\u9fff]/.test(from.name) ? 'B' : 'Q';

    let subject = `${pick(TOPICS)}`;
    const extra: string[] = [];
    if (kind === 'reply' && threads.length > 0) {
      const thread = pick(threads);
      subject = `Re: ${thread.subject}`;
      extra.push(`In-Reply-To: ${thread.ids.at(-1)}`, `References: ${thread.ids.join(' ')}`);
      thread.ids.push(id);
    } else if (kind !== 'newsletter') {
      threads.push({ subject, ids: [id] });
    }
    if (kind === 'newsletter') {
      subject = `pop3kit Weekly #${n}: pipelining, UTF-8 and you`;
      extra.push(
        'List-Id: pop3kit Weekly <weekly.lists.pop3kit.example>',
        'List-Unsubscribe: <mailto:unsubscribe@lists.pop3kit.example?subject=unsubscribe>',
        'Precedence: list',
      );
    }
    if (kind === 'welcome') subject = 'Welcome to the pop3kit demo ✉';

    const greeting = `Hello ${ME.name.split(' ')[0]},`;
    const body = [
      greeting,
      '',
      pick(LINES),
      pick(LINES),
      '',
      ...(kind === 'welcome' || i % 23 === 5
        ? ['.This line starts with a dot: it travels dot-stuffed and arrives intact.', '']
        : []),
      `— ${from.name}`,
    ].join('\n');

    let content: Part;
    switch (kind) {
      case 'html':
      case 'newsletter':
        content = multipart('alternative', `alt-${n}`, [textPart(body), htmlPart(body)]);
        break;
      case 'attachment':
        content = multipart('mixed', `mixed-${n}`, [
          textPart(body),
          rand() < 0.5
            ? attachment(`Quartalsbericht-Q${1 + (i % 4)}.csv`, 'text/csv', csvReport(rand))
            : attachment('Bildschirmfoto – Übersicht.png', 'image/png', Buffer.from(PNG_1X1, 'base64')),
        ]);
        break;
      case 'invite':
        content = multipart('mixed', `mixed-${n}`, [
          textPart(body),
          attachment(
            'invite.ics',
            'text/calendar; method=REQUEST; charset=utf-8',
            calendarInvite(date, subject),
          ),
        ]);
        break;
      case 'large':
        content = multipart('mixed', `mixed-${n}`, [
          textPart(`${body}\n\nThe backup you asked for is attached.`),
          attachment(
            `Sicherung-${n}.tar.gz`,
            'application/gzip',
            noise(rand, 256 * 1024 + Math.floor(rand() * 512 * 1024)),
          ),
        ]);
        break;
      default:
        content = textPart(body);
    }

    const hop = `mx${1 + (i % 3)}.example.net`;
    const headers = [
      `Return-Path: <${from.address}>`,
      `Delivered-To: ${ME.address}`,
      `Received: from ${hop} (${hop} [192.0.2.${10 + (i % 200)}])\r\n\tby pop.example.net with ESMTPS id ${n.toString(16)}\r\n\tfor <${ME.address}>; ${rfc5322Date(date)}`,
      `From: ${mailbox(from, prefer)}`,
      `To: ${mailbox(ME, 'Q')}`,
      `Subject: ${encodeWord(subject, /[\u0400-\u9fff]/.test(subject) ? 'B' : 'Q')}`,
      `Date: ${rfc5322Date(date)}`,
      `Message-ID: ${id}`,
      ...extra,
      'MIME-Version: 1.0',
      ...content.headers,
      `User-Agent: ${pick(['Thunderbird/128.4', 'Mutt/2.2.13', 'Apple Mail (2.3776)', 'Roundcube Webmail/1.6'])}`,
    ];
    messages.push(`${headers.join('\r\n')}\r\n\r\n${content.body}\r\n`);
  }
  return messages;
}
