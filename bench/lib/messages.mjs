// Deterministic test mail for the bench: CRLF text whose LIST size is its byte length, with a
// known number of lines that start with '.', so the wire size (dot-stuffed) is known too.
import * as fs from 'node:fs';

/** The bench's mailboxes come from the same seeded PRNG as the demo (built by `npm run bench`). */
import { seededRandom as prng } from '../../dist/src/cli/seeded-random.js';

export { prng };

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but ' +
  'have an they you were her she there been one all we their has would when if so no will more ' +
  'invoice ticket order shipment account meeting report attached please regards thanks customer ' +
  'server mailbox delivery quota archive support request update version release schedule budget'
).split(' ');

/** Lines that begin with '.', as mail really has them: quoted ellipses, lone dots, dotfiles. */
const DOT_STARTS = ['.', '..', '...', '. ', '.. ', '.htaccess ', '.\t', '.NET ', '.5 '];

function textLine(rand, dotShare) {
  const target = 20 + Math.floor(rand() * 56);
  let line = '';
  let dot = false;
  if (rand() < dotShare) {
    dot = true;
    line = DOT_STARTS[Math.floor(rand() * DOT_STARTS.length)];
    if (line === '.' && rand() < 0.5) return { text: '.', dot }; // a line that is one dot
  }
  while (line.length < target)
    line += (line.length && !line.endsWith(' ') ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return { text: line, dot };
}

/** A pool of CRLF lines to draw from, so large bodies cost no per-line random words. */
export function linePool(seed, count, dotShare) {
  const rand = prng(seed);
  const lines = [];
  for (let i = 0; i < count; i++) {
    const { text, dot } = textLine(rand, dotShare);
    lines.push({ bytes: Buffer.from(`${text}\r\n`, 'latin1'), dot });
  }
  return lines;
}

function headers(n, subject, extra = '') {
  const date = new Date(Date.UTC(2024, 0, 1) + n * 61_000).toUTCString().replace('GMT', '+0000');
  return (
    `Return-Path: <sender${n % 97}@example.org>\r\n` +
    `Received: from mx${n % 7}.example.org (mx${n % 7}.example.org [192.0.2.${n % 250}])\r\n` +
    `\tby mail.example.com with ESMTPS id bench${n}; ${date}\r\n` +
    `From: Sender ${n % 97} <sender${n % 97}@example.org>\r\n` +
    'To: Bench User <bench@example.com>\r\n' +
    `Subject: ${subject} #${n}\r\n` +
    `Date: ${date}\r\n` +
    `Message-ID: <${n}.${(n * 2654435761) >>> 0}@example.org>\r\n` +
    'MIME-Version: 1.0\r\n' +
    extra
  );
}

/**
 * A text message of about `size` octets (CRLF), its lines drawn from `pool` at random.
 * Returns the bytes and how many lines start with '.' (each costs one stuffed octet on the wire).
 */
export function textMessage(n, size, pool, rand) {
  const head = Buffer.from(
    headers(n, 'Benchmark message', 'Content-Type: text/plain; charset=utf-8\r\n\r\n'),
    'latin1',
  );
  const parts = [head];
  let length = head.length;
  let dots = 0;
  while (length < size) {
    const line = pool[Math.floor(rand() * pool.length)];
    parts.push(line.bytes);
    length += line.bytes.length;
    if (line.dot) dots++;
  }
  return { bytes: Buffer.concat(parts, length), dots };
}

/** A message with a base64 attachment of about `size` octets: long lines, no dots at all. */
export function attachmentMessage(n, size, rand) {
  const boundary = `b${n}x`;
  const head = headers(
    n,
    'Report with attachment',
    `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n` +
      `--${boundary}\r\nContent-Type: text/plain\r\n\r\nPlease find the report attached.\r\n` +
      `--${boundary}\r\nContent-Type: application/pdf; name="report${n}.pdf"\r\n` +
      'Content-Transfer-Encoding: base64\r\n\r\n',
  );
  const tail = `--${boundary}--\r\n`;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const line = Buffer.alloc(78);
  const body = [];
  let length = head.length + tail.length;
  while (length < size) {
    for (let i = 0; i < 76; i++) line[i] = alphabet.charCodeAt(Math.floor(rand() * 64));
    line[76] = 13;
    line[77] = 10;
    body.push(Buffer.from(line));
    length += 78;
  }
  return {
    bytes: Buffer.concat([Buffer.from(head, 'latin1'), ...body, Buffer.from(tail, 'latin1')]),
    dots: 0,
  };
}

/**
 * Writes one very large text message straight to `path` in 1 MiB blocks (the 100 MiB and
 * 1 GiB cases), so generating it costs no memory. Returns its size and dot-line count.
 */
export function writeLargeMessage(path, n, size, pool) {
  const head = Buffer.from(
    headers(n, 'Large message', 'Content-Type: text/plain; charset=utf-8\r\n\r\n'),
    'latin1',
  );
  // One block of pool lines repeated; the body needs no randomness beyond the block.
  const blockParts = [];
  let blockLength = 0;
  let blockDots = 0;
  for (let i = 0; blockLength < 1024 * 1024 - 200; i = (i + 7) % pool.length) {
    blockParts.push(pool[i].bytes);
    blockLength += pool[i].bytes.length;
    if (pool[i].dot) blockDots++;
  }
  const block = Buffer.concat(blockParts, blockLength);
  const fd = fs.openSync(path, 'w');
  let length = 0;
  let dots = 0;
  try {
    fs.writeSync(fd, head);
    length += head.length;
    while (length + block.length <= size) {
      fs.writeSync(fd, block);
      length += block.length;
      dots += blockDots;
    }
    // Fill the rest with whole pool lines, then pad the last line so the size is exact.
    for (let i = 0; ; i++) {
      const line = pool[i % pool.length];
      if (length + line.bytes.length > size - 2) break;
      fs.writeSync(fd, line.bytes);
      length += line.bytes.length;
      if (line.dot) dots++;
    }
    const pad = size - length;
    if (pad >= 2) {
      fs.writeSync(fd, Buffer.from(`${'x'.repeat(pad - 2)}\r\n`, 'latin1'));
      length += pad;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { size: length, dots };
}

/** Sizes of "real-world" mail: mostly 2-50 KiB (log-uniform), `large` of them 1-5 MiB. */
export function mixedSizes(count, large, rand) {
  const sizes = [];
  for (let i = 0; i < count; i++) sizes.push(Math.round(2048 * Math.exp(rand() * Math.log(25))));
  // Spread the large ones through the mailbox, as they would be.
  for (let k = 0; k < large; k++) {
    const at = Math.floor(((k + 0.5) * count) / large);
    sizes[at] = Math.round((1 + rand() * 4) * 1024 * 1024);
  }
  return sizes;
}
