/** How archive search results and messages are printed: a table, JSON lines, a message view. */
import type { SearchRow, ShownMessage } from '../../archive/sqlite-archive.js';
import { formatSize } from '../fetch/format.js';

/** The JSON line of one result (`--json`). */
export function searchJson(row: SearchRow): string {
  return JSON.stringify({
    id: row.id,
    messageId: row.messageId,
    date: row.date === null ? null : new Date(row.date).toISOString(),
    from: row.from,
    subject: row.subject,
    account: row.account,
    accounts: row.accounts,
    hasAttachment: row.hasAttachment,
    thread: row.thread,
  });
}

/** `YYYY-MM-DD HH:MM` in the local time zone (`TZ`), or '-' when undated. */
export function localDate(ms: number | null): string {
  if (ms === null) return '-';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

function fit(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  if (flat.length <= width) return flat.padEnd(width);
  return `${flat.slice(0, Math.max(0, width - 1))}…`;
}

/**
 * The readable table: id, date, from, subject, account. With `columns` (a terminal's width)
 * From and Subject are cut to fit; without, nothing is cut.
 */
export function searchTable(rows: readonly SearchRow[], columns?: number): string {
  if (rows.length === 0) return 'no messages match\n';
  const idWidth = Math.max(2, ...rows.map((r) => String(r.id).length));
  const accountWidth = Math.max(7, ...rows.map((r) => r.account.length));
  let fromWidth = Math.max(4, ...rows.map((r) => r.from.length));
  let subjectWidth = Math.max(7, ...rows.map((r) => r.subject.length));
  const fixed = idWidth + 16 + Math.min(accountWidth, 30) + 4 * 2;
  if (columns !== undefined) {
    const left = Math.max(20, columns - fixed - 1);
    fromWidth = Math.min(fromWidth, 32, Math.floor(left * 0.35));
    subjectWidth = Math.min(subjectWidth, left - fromWidth);
  }
  const line = (cells: string[]) => `${cells.join('  ').trimEnd()}\n`;
  const out = [
    line([
      'ID'.padStart(idWidth),
      'DATE'.padEnd(16),
      'FROM'.padEnd(fromWidth),
      'SUBJECT'.padEnd(subjectWidth),
      'ACCOUNT',
    ]),
  ];
  for (const r of rows) {
    out.push(
      line([
        String(r.id).padStart(idWidth),
        localDate(r.date).padEnd(16),
        fit(r.from, fromWidth),
        fit(r.subject, subjectWidth),
        columns === undefined ? r.account : fit(r.account, 30).trimEnd(),
      ]),
    );
  }
  return out.join('');
}

const addresses = (list: ShownMessage['from']) =>
  list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');

/** `pop3kit show ID`: the headers as stored, where it came from, attachments, then the text. */
export function messageView(m: ShownMessage): string {
  const lines: string[] = [];
  const add = (name: string, value: string | null) => {
    if (value !== null && value !== '') lines.push(`${name}: ${value}`);
  };
  add('From', addresses(m.from));
  add('To', addresses(m.to));
  add('Cc', addresses(m.cc));
  add('Subject', m.subject);
  add('Date', m.date === null ? null : new Date(m.date).toString());
  add('Message-ID', m.messageId);
  add('In-Reply-To', m.inReplyTo);
  add(
    'Archive',
    `message ${m.id}, ${formatSize(m.size)}, from ${m.locations.map((l) => `${l.account} (UID ${l.uid})`).join(', ')}`,
  );
  for (const a of m.attachments)
    add('Attachment', `${a.name ?? '(unnamed)'} (${a.type}, ${formatSize(a.size)})`);
  if (m.parseError !== null) add('Warning', `the message did not parse (${m.parseError}); see --raw`);
  const text = m.text.endsWith('\n') || m.text === '' ? m.text : `${m.text}\n`;
  return `${lines.join('\n')}\n\n${text}`;
}
