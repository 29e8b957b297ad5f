/**
 * `npm start`: a tour of pop3kit on a fresh machine, with nothing to configure. It starts
 * pop3kit/server on 127.0.0.1 with a generated mailbox and reads it with the client.
 */
import { Pop3Client } from '../index.js';
import { MemoryStore, Pop3Server } from '../server/index.js';
import { demoMailbox } from './demo-mail.js';

const USER = 'demo';
const PASSWORD = 'demo-password';

const say = (text: string) => process.stdout.write(`${text}\n`);

const server = new Pop3Server({
  store: new MemoryStore({ [USER]: demoMailbox(40) }),
  users: { [USER]: PASSWORD },
});
const { port } = await server.listen({ host: '127.0.0.1', port: 0 });
say(`pop3kit/server is listening on 127.0.0.1:${port} with ${USER}'s mailbox of 40 messages.\n`);

try {
  await using client = await Pop3Client.connect({
    host: '127.0.0.1',
    port,
    auth: { user: USER, pass: PASSWORD },
  });
  say(`Connected: "${client.welcome}"`);
  say(`Capabilities: ${Object.keys(await client.capa()).join(' ')}`);
  const { count, size } = await client.stat();
  say(`STAT: ${count} messages, ${size} octets\n`);

  const numbers = (await client.list()).map((entry) => entry.msg);
  const uids = await client.uidl();
  say('The first five headers, fetched with pipelined TOP n 0:');
  for await (const { msg, data } of client.topMany(numbers.slice(0, 5), 0)) {
    const subject = /^Subject: (.*)$/im.exec(data.toString('utf8'))?.[1] ?? '(no subject)';
    say(`  ${String(msg).padStart(2)}  ${uids[msg - 1]?.uid}  ${subject}`);
  }

  let octets = 0;
  const started = performance.now();
  for await (const { data } of client.retrMany(numbers)) octets += data.length;
  const ms = performance.now() - started;
  say(`\nretrMany fetched all ${count} messages (${octets} octets) in ${ms.toFixed(1)} ms, pipelined.`);
  say(`The server said goodbye: "${await client.quit()}"\n`);
} finally {
  await server.close();
}

say('Next: read the README for every client method, pop3kit/poplib for Python ports,');
say('and `npx pop3kit serve --help` to serve a Maildir over POP3.');
