/** Realistic-looking generated mail for the demo: headers, UTF-8, a dot-stuffed line. */
const SENDERS = [
  'Ada Lovelace <ada@example.org>',
  'Jürgen Schmidt <juergen@example.de>',
  'Li Wei <wei@example.cn>',
];
const SUBJECTS = [
  'Quarterly report',
  'Lunch on Friday?',
  'Invoice 2026-118',
  'Re: build is green',
  'Café plans',
];

export function demoMailbox(count: number): string[] {
  const messages: string[] = [];
  for (let i = 0; i < count; i++) {
    const from = SENDERS[i % SENDERS.length]!;
    const subject = SUBJECTS[i % SUBJECTS.length]!;
    const date = new Date(Date.UTC(2026, 10, 1 + (i % 28), 9, i % 60)).toUTCString().replace('GMT', '+0000');
    messages.push(
      [
        `From: ${from}`,
        'To: demo@example.net',
        `Subject: ${subject} #${i + 1}`,
        `Date: ${date}`,
        `Message-ID: <demo-${i + 1}@pop3kit.example>`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        `Hello, this is message ${i + 1} of the pop3kit demo.`,
        '.A line that starts with a dot travels dot-stuffed and arrives intact.',
        'Grüße, 你好, привет.',
        '',
      ].join('\r\n'),
    );
  }
  return messages;
}
