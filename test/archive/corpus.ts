// A generated mail corpus for the archive tests. Each message exists twice: as a plain JS
// object (the truth the tests filter to compute right answers) and as raw RFC 5322 bytes in a
// mix of shapes: UTF-8 and ISO-8859-1 bodies, quoted-printable and base64, encoded-word
// subjects and names (B and Q), multipart/alternative, HTML-only, attachments, threads.
//
// Threads (threadPlan): reply trees over the corpus and some lost messages (named by replies,
// never in the corpus), written in an order of their own, so replies often come before their
// parents in the corpus (the order archives ingest it in) and threads merge when a later
// message links two. Replies carry In-Reply-To and References, References only (sometimes
// trimmed to the first and last three ids, as RFC 5322 allows), or In-Reply-To only.

import { createHash } from 'node:crypto';
import { seededRandom } from '../../src/cli/seeded-random.js';

export interface Person {
  readonly name: string;
  readonly address: string;
}

export interface GenAttachment {
  readonly name: string;
  readonly type: string;
  readonly content: Buffer;
  readonly sha256: string;
}

export interface GenMessage {
  readonly account: string;
  readonly uid: string;
  readonly from: Person;
  readonly to: readonly Person[];
  readonly cc: readonly Person[];
  readonly subject: string;
  readonly date: number;
  readonly messageId: string;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
  readonly body: string;
  readonly charset: 'utf-8' | 'iso-8859-1';
  readonly attachments: readonly GenAttachment[];
  readonly raw: Buffer;
}

/** Words used in subjects and bodies; some need ISO-8859-1, some only exist in UTF-8. */
export const LATIN_WORDS = [
  'invoice',
  'meeting',
  'budget',
  'report',
  'holiday',
  'server',
  'backup',
  'coffee',
  'quarterly',
  'release',
  'café',
  'Zürich',
  'façade',
  'naïve',
  'Ärger',
  'señor',
] as const;
export const UTF8_ONLY_WORDS = ['Привет', 'Ωmega', 'żółw'] as const;

export const PEOPLE: readonly Person[] = [
  { name: 'Alice Archer', address: 'alice@example.org' },
  { name: 'Bob Baker', address: 'bob@example.com' },
  { name: 'Chloé Dupré', address: 'chloe@example.fr' },
  { name: 'Dmitri Волков', address: 'dmitri@example.ru' },
  { name: 'Eve Evans', address: 'eve@example.net' },
  { name: 'Jürgen Groß', address: 'juergen@example.de' },
];

export const ACCOUNTS = ['work', 'home', 'lists'] as const;

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function encodedWord(text: string, charset: 'utf-8' | 'iso-8859-1', kind: 'B' | 'Q'): string {
  const bytes = Buffer.from(text, charset === 'utf-8' ? 'utf8' : 'latin1');
  if (kind === 'B') return `=?${charset}?B?${bytes.toString('base64')}?=`;
  let q = '';
  for (const byte of bytes) {
    if (byte === 0x20) q += '_';
    else if (/[A-Za-z0-9]/.test(String.fromCharCode(byte))) q += String.fromCharCode(byte);
    else q += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `=?${charset}?Q?${q}?=`;
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

function headerText(text: string, charset: 'utf-8' | 'iso-8859-1', kind: 'B' | 'Q'): string {
  return isAscii(text) ? text : encodedWord(text, charset, kind);
}

function mailbox(person: Person, charset: 'utf-8' | 'iso-8859-1', kind: 'B' | 'Q'): string {
  const latin = /^[\x20-\xff]*$/.test(person.name);
  const cs = latin ? charset : 'utf-8';
  const name = isAscii(person.name) ? `"${person.name}"` : encodedWord(person.name, cs, kind);
  return `${name} <${person.address}>`;
}

function quotedPrintable(bytes: Buffer): string {
  let out = '';
  let line = '';
  for (const byte of bytes) {
    let piece: string;
    if (byte === 0x0a) {
      out += `${line}\r\n`;
      line = '';
      continue;
    }
    if ((byte >= 33 && byte <= 126 && byte !== 61) || byte === 32) piece = String.fromCharCode(byte);
    else piece = `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    if (line.length + piece.length > 75) {
      out += `${line}=\r\n`;
      line = '';
    }
    line += piece;
  }
  return out + line;
}

function base64Lines(bytes: Buffer): string {
  return (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

function rfc2822Date(ms: number, offsetMinutes: number): string {
  const shifted = new Date(ms + offsetMinutes * 60_000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number) => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${days[shifted.getUTCDay()]}, ${shifted.getUTCDate()} ${months[shifted.getUTCMonth()]} ${shifted.getUTCFullYear()} ${two(shifted.getUTCHours())}:${two(shifted.getUTCMinutes())}:${two(shifted.getUTCSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}

/** Message-IDs of the corpus (n < count) and of the lost messages (n >= count). */
export function corpusMessageId(n: number, count: number, seed: number): string {
  return n < count ? `<msg${n}.${seed}@corpus.example>` : `<lost${n - count}.${seed}@corpus.example>`;
}

interface ThreadHeaders {
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
}

/** The reply headers of each corpus message, from reply trees decided before any message. */
function threadPlan(count: number, seed: number): ThreadHeaders[] {
  const random = seededRandom(seed * 7919 + 13);
  const lost = Math.max(2, Math.floor(count / 25));
  const total = count + lost;
  const id = (n: number) => corpusMessageId(n, count, seed);
  // The order the messages were written in: a shuffle of corpus and lost messages.
  const written = Array.from({ length: total }, (_, n) => n);
  for (let i = total - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [written[i], written[j]] = [written[j] as number, written[i] as number];
  }
  const chains: (readonly string[])[] = new Array(total);
  const headers: ThreadHeaders[] = new Array(total);
  const lostSoFar: number[] = [];
  for (const [i, n] of written.entries()) {
    let parent: number | undefined;
    if (i > 0 && random() < 0.45) {
      // A quarter of the replies answer a lost message, so those get siblings.
      parent =
        lostSoFar.length > 0 && random() < 0.25
          ? lostSoFar[Math.floor(random() * lostSoFar.length)]
          : written[Math.floor(random() * i)];
    }
    if (n >= count) lostSoFar.push(n);
    if (parent === undefined) {
      chains[n] = [];
      headers[n] = { inReplyTo: null, references: [] };
      continue;
    }
    const chain = [...(chains[parent] as readonly string[]), id(parent)];
    chains[n] = chain;
    const style = random();
    const trimmed = chain.length > 4 && random() < 0.5 ? [chain[0] as string, ...chain.slice(-3)] : chain;
    headers[n] =
      style < 0.5
        ? { inReplyTo: id(parent), references: trimmed }
        : style < 0.65
          ? { inReplyTo: null, references: trimmed }
          : { inReplyTo: id(parent), references: [] };
  }
  return headers.slice(0, count);
}

/** A References field folded after every third id, as long ones are in real mail. */
function referencesField(ids: readonly string[]): string {
  const lines: string[] = [];
  for (let i = 0; i < ids.length; i += 3) lines.push(ids.slice(i, i + 3).join(' '));
  return `References: ${lines.join('\r\n ')}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Generates `count` messages deterministically from `seed`. */
export function makeCorpus(count: number, seed = 7): GenMessage[] {
  const random = seededRandom(seed);
  const messages: GenMessage[] = [];
  const start = Date.UTC(2024, 0, 1);
  const span = 365 * 24 * 3600 * 1000;
  const threads = threadPlan(count, seed);
  for (let n = 0; n < count; n++) {
    const charset = random() < 0.4 ? 'iso-8859-1' : 'utf-8';
    const kind = random() < 0.5 ? 'B' : 'Q';
    const words = charset === 'utf-8' ? [...LATIN_WORDS, ...UTF8_ONLY_WORDS] : [...LATIN_WORDS];
    const from = pick(random, PEOPLE);
    const to = [pick(random, PEOPLE)];
    const cc = random() < 0.3 ? [pick(random, PEOPLE)] : [];
    const subjectWords = Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(random, words));
    const subject = `${subjectWords.join(' ')} #${n}`;
    const bodyWords = Array.from({ length: 10 + Math.floor(random() * 30) }, () => pick(random, words));
    const body = `Hello,\n${bodyWords.join(' ')}\nmarker${n}\n`;
    const date = start + Math.floor(random() * span);
    const offset = pick(random, [0, 120, -300, 330, 60]);
    const messageId = corpusMessageId(n, count, seed);
    const { inReplyTo, references } = threads[n] as ThreadHeaders;
    const attachments: GenAttachment[] = [];
    if (random() < 0.25) {
      const content = Buffer.from(`attachment ${n} ${'x'.repeat(Math.floor(random() * 500))}`);
      const name = random() < 0.5 ? `report-${n}.pdf` : `Résumé ${n}.txt`;
      attachments.push({
        name,
        type: name.endsWith('.pdf') ? 'application/pdf' : 'text/plain',
        content,
        sha256: createHash('sha256').update(content).digest('hex'),
      });
    }
    const htmlOnly = attachments.length === 0 && random() < 0.15;
    const alternative = !htmlOnly && random() < 0.2;
    const encoding = random() < 0.5 ? 'quoted-printable' : 'base64';
    const bodyBytes = Buffer.from(body.replace(/\n/g, '\r\n'), charset === 'utf-8' ? 'utf8' : 'latin1');
    const encode = (bytes: Buffer) =>
      encoding === 'base64'
        ? base64Lines(bytes)
        : quotedPrintable(Buffer.from(bytes.toString('latin1').replace(/\r\n/g, '\n'), 'latin1'));
    const html = `<html><body><p>${escapeHtml(body).replace(/\n/g, '<br>\n')}</p></body></html>\n`;
    const htmlBytes = Buffer.from(html, charset === 'utf-8' ? 'utf8' : 'latin1');

    const head = [
      `From: ${mailbox(from, charset, kind)}`,
      `To: ${to.map((p) => mailbox(p, charset, kind)).join(', ')}`,
      ...(cc.length > 0 ? [`Cc: ${cc.map((p) => mailbox(p, charset, kind)).join(', ')}`] : []),
      `Subject: ${headerText(subject, charset, kind)}`,
      `Date: ${rfc2822Date(date, offset)}`,
      `Message-ID: ${messageId}`,
      ...(inReplyTo ? [`In-Reply-To: ${inReplyTo}`] : []),
      ...(references.length > 0 ? [referencesField(references)] : []),
      'MIME-Version: 1.0',
    ];
    const textPart = [
      `Content-Type: text/plain; charset=${charset}`,
      `Content-Transfer-Encoding: ${encoding}`,
      '',
      encode(bodyBytes),
    ];
    const htmlPart = [
      `Content-Type: text/html; charset=${charset}`,
      `Content-Transfer-Encoding: ${encoding}`,
      '',
      encode(htmlBytes),
    ];
    let lines: string[];
    if (htmlOnly) {
      lines = [...head, ...htmlPart];
    } else if (attachments.length > 0) {
      const b = `mixed-${n}`;
      const inner = alternative
        ? [
            `Content-Type: multipart/alternative; boundary="alt-${n}"`,
            '',
            `--alt-${n}`,
            ...textPart,
            `--alt-${n}`,
            ...htmlPart,
            `--alt-${n}--`,
          ]
        : textPart;
      lines = [
        ...head,
        `Content-Type: multipart/mixed; boundary="${b}"`,
        '',
        'This is MIME.',
        `--${b}`,
        ...inner,
      ];
      for (const a of attachments) {
        const encodedName = isAscii(a.name) ? `"${a.name}"` : `"${encodedWord(a.name, 'utf-8', 'B')}"`;
        lines.push(
          `--${b}`,
          `Content-Type: ${a.type}; name=${encodedName}`,
          `Content-Disposition: attachment; filename=${encodedName}`,
          'Content-Transfer-Encoding: base64',
          '',
          base64Lines(a.content),
        );
      }
      lines.push(`--${b}--`);
    } else if (alternative) {
      const b = `alt-${n}`;
      lines = [
        ...head,
        `Content-Type: multipart/alternative; boundary="${b}"`,
        '',
        `--${b}`,
        ...textPart,
        `--${b}`,
        ...htmlPart,
        `--${b}--`,
      ];
    } else {
      lines = [...head, ...textPart];
    }
    const raw = Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1');
    messages.push({
      account: ACCOUNTS[n % ACCOUNTS.length] as string,
      uid: `uid-${n}`,
      from,
      to,
      cc,
      subject,
      date: Math.floor(date / 1000) * 1000,
      messageId,
      inReplyTo,
      references,
      body,
      charset,
      attachments,
      raw,
    });
  }
  return messages;
}
