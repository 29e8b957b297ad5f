// Generated mail for the archive bench: N messages as a real mailbox holds them, from the
// project's seeded PRNG, so every run archives the same bytes. Neither existing generator
// fits at 50,000: demoMailbox() is ~1 KiB text plus a 0.25-0.75 MiB noise attachment every
// 37th message (990 MiB at 50,000, on a vocabulary of ~100 words) and the test corpus is
// ~0.8 KiB on 19 words; search latency needs realistic sizes and common *and* rare words.
//
// The mix: Zipf-distributed words (a real head of mail English, a synthetic tail of 100,000
// words, a few rare identifiers), Zipf-distributed senders, replies threaded by In-Reply-To/
// References with quoted text, DKIM/Received headers (~1-2 KiB), text/plain in UTF-8 or
// ISO-8859-1 as 8bit, quoted-printable or base64, multipart/alternative with HTML, HTML-only
// newsletters, multipart/mixed with PDF/CSV/PNG attachments (RFC 2231 and encoded-word names),
// RFC 2047 subjects and names (B and Q). Bodies are log-uniform, so most messages are 2-20 KiB.
import { quotedPrintableLine } from '../../dist/src/cli/demo-mail.js';
import { prng } from './messages.mjs';

/** The head of the vocabulary, most frequent first: what every mailbox is full of. */
const HEAD = (
  'the to and of a in for is you on that this it with be we at are have as will from your ' +
  'please can our if not or by all thanks an me us let know would about be have has more ' +
  'meeting project report team today week next time update new call review invoice budget ' +
  'release customer order account server support question issue change plan schedule draft ' +
  'attached document quarterly deadline office contract payment delivery feedback agenda ' +
  'minutes proposal travel holiday lunch coffee backup migration ticket deploy staging ' +
  'production database mailbox archive newsletter price offer shipment warehouse audit ' +
  'training workshop conference hotel flight visa approval signature reminder renewal ' +
  'café Zürich façade naïve Ärger señor Grüße Übersicht déjà Straße Привет Ωmega żółw Москва'
).split(' ');
/** Words only UTF-8 can carry; an ISO-8859-1 message writes the fallback instead. */
const NOT_LATIN1 = /[^\x00-\xff]/;

const SYLLABLES = 'ka lo mi ne ru ta vi zo be du fe gi ho ju pa se wa ry qu xe ni mo la te'.split(' ');
/** The synthetic long tail: word(rank) is fixed by its rank, so queries can name one. */
export function tailWord(rank) {
  let word = '';
  let n = rank + 600; // at least three syllables
  while (n > 0) {
    word += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  }
  return word;
}
const TAIL = 100_000;
const VOCABULARY = [...HEAD, ...Array.from({ length: TAIL }, (_, i) => tailWord(i))];

/** Inverse-CDF table of a Zipf law over `size` ranks: table[u * 2^22] is a rank. */
function zipfTable(size, exponent, offset) {
  const weights = new Float64Array(size);
  let total = 0;
  for (let r = 0; r < size; r++) {
    weights[r] = 1 / (r + offset) ** exponent;
    total += weights[r];
  }
  const slots = 1 << 22;
  const table = new Int32Array(slots);
  let rank = 0;
  let cumulative = weights[0] / total;
  for (let s = 0; s < slots; s++) {
    while ((s + 0.5) / slots > cumulative && rank < size - 1) cumulative += weights[++rank] / total;
    table[s] = rank;
  }
  return table;
}
const WORD_TABLE = zipfTable(VOCABULARY.length, 1.15, 2.7);
const LATIN1_FALLBACK = VOCABULARY.map((w) => (NOT_LATIN1.test(w) ? 'ok' : w));

const FIRST = (
  'Ada Grace Alan Linus Margaret Dennis Barbara Ken Frances Edsger Radia John Hedy Niklaus ' +
  'Jürgen Chloé Zoë Søren Amélie Łukasz Björn Inés François Agnès Dmitri Олег Мария 李伟 ' +
  'Hiroshi Priya Kwame Fatima Mateo Sofia Lars Ingrid Pablo Aoife Tomasz Yara'
).split(' ');
const LAST = (
  'Lovelace Hopper Turing Torvalds Hamilton Ritchie Liskov Thompson Allen Dijkstra Perlman ' +
  'Backus Lamarr Wirth Groß Dupré Ångström Kierkegaard Poulain Nowak Müller Peña Lefèvre ' +
  'Jørgensen Волков Петрова Tanaka Sharma Mensah Haddad Rossi García Nilsson Brennan Kowalski ' +
  'Okafor Schmidt Moreau Costa Novak'
).split(' ');
const DOMAINS = ['example.org', 'example.com', 'example.net', 'corp.example', 'mail.example.de'];
const ASCII_FOLD = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', ø: 'o', å: 'a', æ: 'ae', ł: 'l' };

function asciiLocal(name) {
  const folded = name
    .toLowerCase()
    .replace(/[äöüßøåæł]/g, (c) => ASCII_FOLD[c])
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z]/g, '');
  return folded || 'user';
}

/** People: person(rank) for rank 0..PEOPLE-1; senders are Zipf over the ranks. */
const PEOPLE = 1200;
export function person(rank) {
  const first = FIRST[rank % FIRST.length];
  const last = LAST[Math.floor(rank / FIRST.length + rank * 7) % LAST.length];
  const local = `${asciiLocal(first)}.${asciiLocal(last)}${rank >= FIRST.length * 2 ? rank : ''}`;
  return { name: `${first} ${last}`, address: `${local}@${DOMAINS[rank % DOMAINS.length]}` };
}
const SENDER_TABLE = zipfTable(PEOPLE, 1.1, 1.5);
const ME = { name: 'Bench User', address: 'me@example.com' };
const LISTS = [
  { name: 'Weekly Digest', address: 'digest@lists.example.org', id: 'digest.lists.example.org' },
  { name: 'Release Announcements', address: 'announce@lists.example.com', id: 'announce.example.com' },
  { name: 'Café Society', address: 'news@cafe.example.fr', id: 'news.cafe.example.fr' },
];

/** Phrases people write; "let me know" and "quarterly report" are the bench's phrase queries. */
const PHRASES = [
  'let me know',
  'thanks in advance',
  'see attached',
  'quarterly report',
  'as discussed',
  'best regards',
  'kind regards',
  'looking forward to it',
  'sorry for the delay',
  'out of office',
  'budget review meeting',
];

const isAscii = (s) => /^[\x20-\x7e]*$/.test(s);
const ENCODER = new TextEncoder();

function bytesOf(text, charset) {
  return charset === 'utf-8' ? Buffer.from(ENCODER.encode(text)) : Buffer.from(text, 'latin1');
}

/** RFC 2047 encoded-word in `charset`, B or Q. */
function encodedWord(text, charset, kind) {
  const bytes = bytesOf(text, charset);
  if (kind === 'B') return `=?${charset}?B?${bytes.toString('base64')}?=`;
  let q = '';
  for (const b of bytes) {
    if (b === 0x20) q += '_';
    else if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a))
      q += String.fromCharCode(b);
    else q += `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `=?${charset}?Q?${q}?=`;
}

/** A header value: as is when ASCII, else one encoded-word (UTF-8 when Latin-1 cannot hold it). */
function headerText(text, charset, kind) {
  if (isAscii(text)) return text;
  return encodedWord(text, NOT_LATIN1.test(text) ? 'utf-8' : charset, kind);
}

function mailbox(p, charset, kind) {
  return `${isAscii(p.name) ? `"${p.name}"` : headerText(p.name, charset, kind)} <${p.address}>`;
}

/** Quoted-printable (RFC 2045 6.7) of CRLF text already in bytes; ASCII lines pass as they are. */
function quotedPrintable(text, charset) {
  const out = [];
  for (const line of text.split('\r\n')) {
    if (
      line.length <= 76 &&
      /^[\x21-\x3c\x3e-\x7e]([\x20-\x3c\x3e-\x7e]*[\x21-\x3c\x3e-\x7e])?$|^$/.test(line)
    ) {
      out.push(line);
      continue;
    }
    out.push(...quotedPrintableLine(bytesOf(line, charset)));
  }
  return out.join('\r\n');
}

function base64Lines(bytes) {
  const b64 = bytes.toString('base64');
  const lines = [];
  for (let i = 0; i < b64.length; i += 76) lines.push(b64.slice(i, i + 76));
  return lines.join('\r\n');
}

/** Incompressible bytes (as PDFs and images are), 4 per PRNG draw. */
function noise(rand, size) {
  const data = Buffer.alloc(size + 3);
  for (let i = 0; i < size; i += 4) data.writeUInt32LE(Math.floor(rand() * 4294967296), i);
  return data.subarray(0, size);
}

function rfc5322Date(ms, offsetMinutes) {
  const shifted = new Date(ms + offsetMinutes * 60_000);
  const two = (n) => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const [day, date, month, year, time] = shifted.toUTCString().replace(',', '').split(' ');
  return `${day}, ${Number(date)} ${month} ${year} ${time} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

/** Wraps words into lines of at most ~72 columns. */
function wrap(words) {
  const lines = [];
  let line = '';
  for (const w of words) {
    if (line.length + w.length + 1 > 72 && line) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

/** The first `count` messages of the bench mailbox: `{ raw, account, uid, date }`, raw CRLF. */
export function archiveMailbox(count, seed = 0xa7c41e) {
  const rand = prng(seed);
  const word = (charset) =>
    (charset === 'utf-8' ? VOCABULARY : LATIN1_FALLBACK)[WORD_TABLE[Math.floor(rand() * WORD_TABLE.length)]];
  const words = (n, charset) => {
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = word(charset);
    return out;
  };
  /** A paragraph of `n` words, sentence-cased, now and then with a phrase or an identifier. */
  const paragraph = (n, charset) => {
    const list = words(n, charset);
    if (rand() < 0.35)
      list.splice(Math.floor(rand() * list.length), 0, PHRASES[Math.floor(rand() * PHRASES.length)]);
    if (rand() < 0.05)
      list.push(
        `INV-${2023 + Math.floor(rand() * 2)}-${String(Math.floor(rand() * 100000)).padStart(5, '0')}`,
      );
    list[0] = list[0][0].toUpperCase() + list[0].slice(1);
    return `${list.join(' ')}.`;
  };
  const bodyText = (targetBytes, charset) => {
    const paragraphs = [];
    let length = 0;
    while (length < targetBytes) {
      const p = paragraph(15 + Math.floor(rand() * 60), charset);
      paragraphs.push(wrap(p.split(' ')).join('\r\n'));
      length += p.length + 2;
    }
    return paragraphs.join('\r\n\r\n');
  };

  const start = Date.UTC(2023, 0, 1);
  const span = Date.UTC(2025, 0, 1) - start;
  const threads = [];
  const messages = [];
  for (let i = 0; i < count; i++) {
    const n = i + 1;
    const date = start + Math.floor(((i + rand()) / count) * span);
    const offset = [0, 60, 120, -300, -480, 330, 540][Math.floor(rand() * 7)];
    const charset = rand() < 0.35 ? 'iso-8859-1' : 'utf-8';
    const kindHeader = rand() < 0.5 ? 'B' : 'Q';
    const r = rand();
    const kind = r < 0.5 ? 'plain' : r < 0.72 ? 'alternative' : r < 0.8 ? 'newsletter' : 'attachment';
    const list = kind === 'newsletter' ? LISTS[Math.floor(rand() * LISTS.length)] : undefined;
    const from = list ?? person(SENDER_TABLE[Math.floor(rand() * SENDER_TABLE.length)]);
    const cc = rand() < 0.25 ? [person(Math.floor(rand() * PEOPLE))] : [];
    const messageId = `<${date.toString(36)}.${n}.${Math.floor(rand() * 1e9).toString(36)}@${from.address.split('@')[1]}>`;

    let subject;
    const extra = [];
    let quoted = '';
    if (!list && threads.length > 0 && rand() < 0.3) {
      const thread = threads[Math.floor(rand() * threads.length)];
      subject = `Re: ${thread.subject}`;
      extra.push(`In-Reply-To: ${thread.ids.at(-1)}`, `References: ${thread.ids.slice(-8).join('\r\n ')}`);
      thread.ids.push(messageId);
      quoted = `\r\n\r\nOn ${new Date(date - 3_600_000).toUTCString()}, someone wrote:\r\n${bodyText(
        300 + rand() * 2000,
        charset,
      )
        .split('\r\n')
        .map((l) => `> ${l}`)
        .join('\r\n')}`;
    } else {
      const subjectWords = words(2 + Math.floor(rand() * 6), charset);
      if (rand() < 0.08) subjectWords.push(['invoice', 'quarterly report', 'budget'][Math.floor(rand() * 3)]);
      subject = subjectWords.join(' ');
      subject = subject[0].toUpperCase() + subject.slice(1);
      if (!list) {
        threads.push({ subject, ids: [messageId] });
        if (threads.length > 400) threads.splice(Math.floor(rand() * threads.length), 1);
      }
    }
    if (list) {
      subject = `[${list.name}] ${subject}`;
      extra.push(
        `List-Id: ${list.name} <${list.id}>`,
        `List-Unsubscribe: <mailto:leave@${list.id}>`,
        'Precedence: list',
      );
    }

    // Text size: log-uniform 0.5-8 KiB, a little more for newsletters.
    const textBytes = Math.round(500 * Math.exp(rand() * Math.log(16)) * (list ? 1.5 : 1));
    const signName = charset === 'utf-8' || !NOT_LATIN1.test(from.name) ? from.name : from.address;
    const sign = `\r\n\r\n-- \r\n${signName}\r\n${from.address}`;
    const text = `Hello,\r\n\r\n${bodyText(textBytes, charset)}${quoted}${sign}\r\n`;
    const cteRoll = rand();
    const cte =
      charset === 'utf-8' && cteRoll < 0.15 ? 'base64' : cteRoll < 0.6 ? 'quoted-printable' : '8bit';
    const textPart = () => ({
      headers: [
        `Content-Type: text/plain; charset=${charset}; format=flowed`,
        `Content-Transfer-Encoding: ${cte}`,
      ],
      body:
        cte === 'base64'
          ? base64Lines(bytesOf(text, charset))
          : cte === 'quoted-printable'
            ? quotedPrintable(text, charset)
            : text,
    });
    const htmlPart = () => {
      const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      const html =
        '<!DOCTYPE html>\r\n<html><head><meta charset="' +
        charset +
        '"><style>body{font-family:Helvetica,Arial,sans-serif;font-size:14px}p{margin:0 0 1em}' +
        '.footer{color:#888;font-size:11px}</style></head>\r\n<body>\r\n' +
        escaped
          .split('\r\n\r\n')
          .map((p) => `<p>${p.replace(/\r\n/g, '<br>\r\n')}</p>`)
          .join('\r\n') +
        (list
          ? `\r\n<p class="footer"><a href="https://${list.id}/unsubscribe?u=${n}">Unsubscribe</a></p>`
          : '') +
        '\r\n</body></html>\r\n';
      return {
        headers: [
          `Content-Type: text/html; charset=${charset}`,
          'Content-Transfer-Encoding: quoted-printable',
        ],
        body: quotedPrintable(html, charset),
      };
    };

    let top;
    const boundary = `=_${n.toString(36)}_${Math.floor(rand() * 1e9).toString(36)}`;
    const multipart = (subtype, parts, b = boundary) => ({
      headers: [`Content-Type: multipart/${subtype};\r\n boundary="${b}"`],
      body: [
        'This is a multi-part message in MIME format.',
        ...parts.flatMap((p) => [`--${b}`, ...p.headers, '', p.body]),
        `--${b}--`,
        '',
      ].join('\r\n'),
    });
    if (kind === 'plain') top = textPart();
    else if (kind === 'alternative') top = multipart('alternative', [textPart(), htmlPart()]);
    else if (kind === 'newsletter') top = htmlPart();
    else {
      const attachments = [];
      const howMany = rand() < 0.8 ? 1 : 2;
      for (let k = 0; k < howMany; k++) {
        const roll = rand();
        // Mostly 1.5-24 KiB; one in 200 is 150-600 KiB.
        const size =
          rand() < 0.005
            ? 150_000 + Math.floor(rand() * 450_000)
            : Math.round(1536 * Math.exp(rand() * Math.log(16)));
        let name;
        let type;
        let data;
        if (roll < 0.5) {
          name = rand() < 0.5 ? `Rechnung-${n}.pdf` : `Übersicht Q${1 + (n % 4)} – ${n}.pdf`;
          type = 'application/pdf';
          data = noise(rand, size);
        } else if (roll < 0.75) {
          name = `report-${n}.csv`;
          type = 'text/csv';
          const rows = ['region,quarter,revenue,growth'];
          while (rows.length * 24 < size)
            rows.push(
              `${word('utf-8')},Q${1 + Math.floor(rand() * 4)},${Math.floor(rand() * 99999)},${(rand() * 20 - 5).toFixed(1)}%`,
            );
          data = Buffer.from(`${rows.join('\r\n')}\r\n`, 'utf8');
        } else {
          name = rand() < 0.5 ? `screenshot-${n}.png` : `Bildschirmfoto ${n}.png`;
          type = 'image/png';
          data = noise(rand, size);
        }
        const param = isAscii(name) ? `filename="${name}"` : `filename*=utf-8''${encodeURIComponent(name)}`;
        attachments.push({
          headers: [
            `Content-Type: ${type}; name="${isAscii(name) ? name : encodedWord(name, 'utf-8', 'B')}"`,
            `Content-Disposition: attachment;\r\n ${param}`,
            'Content-Transfer-Encoding: base64',
          ],
          body: base64Lines(data),
        });
      }
      const inner =
        rand() < 0.3 ? multipart('alternative', [textPart(), htmlPart()], `${boundary}_alt`) : textPart();
      top = multipart('mixed', [inner, ...attachments]);
    }

    const hops = 2 + Math.floor(rand() * 3);
    const received = [];
    for (let h = 0; h < hops; h++) {
      received.push(
        `Received: from mx${h}.${from.address.split('@')[1]} (mx${h}.${from.address.split('@')[1]} [198.51.100.${(n + h) % 250}])\r\n` +
          `\tby mx${h + 1}.example.com (Postfix) with ESMTPS id ${Math.floor(rand() * 2 ** 40)
            .toString(16)
            .toUpperCase()}\r\n` +
          `\tfor <${ME.address}>; ${rfc5322Date(date - h * 1500, offset)}`,
      );
    }
    const signature = noise(rand, 256).toString('base64');
    const headers = [
      `Return-Path: <${from.address}>`,
      `Delivered-To: ${ME.address}`,
      ...received,
      `Authentication-Results: mx1.example.com; dkim=pass header.d=${from.address.split('@')[1]}; spf=pass smtp.mailfrom=${from.address}`,
      `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=${from.address.split('@')[1]}; s=sel1;\r\n` +
        `\tt=${Math.floor(date / 1000)}; h=from:to:subject:date:message-id;\r\n` +
        `\tbh=${noise(rand, 32).toString('base64')};\r\n` +
        `\tb=${signature.slice(0, 70)}\r\n\t ${signature.slice(70, 140)}\r\n\t ${signature.slice(140, 210)}\r\n\t ${signature.slice(210)}`,
      `From: ${mailbox(from, charset, kindHeader)}`,
      `To: ${mailbox(ME, charset, kindHeader)}`,
      ...(cc.length ? [`Cc: ${cc.map((p) => mailbox(p, charset, kindHeader)).join(', ')}`] : []),
      `Subject: ${headerText(subject, charset, kindHeader)}`,
      `Date: ${rfc5322Date(date, offset)}`,
      `Message-ID: ${messageId}`,
      ...extra,
      'MIME-Version: 1.0',
      ...top.headers,
      `X-Mailer: ${['Thunderbird 128.4', 'Apple Mail (2.3776)', 'Microsoft Outlook 16.0', 'Roundcube 1.6', 'Mutt/2.2.13'][n % 5]}`,
    ];
    const head = `${headers.join('\r\n')}\r\n\r\n`;
    // An 8bit text part is in the message's charset; every other part is ASCII.
    const raw = Buffer.concat([Buffer.from(head, 'latin1'), bytesOf(`${top.body}\r\n`, charset)]);
    messages.push({ raw, account: 'bench@pop.example.com', uid: `${date.toString(36)}.${n}`, date });
  }
  return messages;
}
