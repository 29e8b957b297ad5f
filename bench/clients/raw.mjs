// The raw reference: what the server and loopback allow in the same runtime. Logs in with
// USER and PASS, writes every RETR (and QUIT) in one write, and only counts bytes until it has
// seen N terminators ("\r\n.\r\n", which dot-stuffing keeps out of bodies). No parsing.

import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';

const config = JSON.parse(process.argv[2]);
const TERMINATOR = Buffer.from('\r\n.\r\n');
const socket = config.secure
  ? tls.connect({ host: config.host, port: config.port, ca: readFileSync(config.caFile) })
  : net.connect({ host: config.host, port: config.port });
socket.setNoDelay(true);

let stage = 'greeting';
let lines = 0;
let bytes = 0;
let seen = 0;
let tail = Buffer.alloc(0);
/** What the server said before the bodies, reported when a login fails. */
let head = '';

socket.on('data', (chunk) => {
  if (stage !== 'bodies') {
    // The greeting, then the replies to USER and PASS: find three line ends, nothing more.
    let at = chunk.indexOf(10);
    while (at !== -1) {
      lines++;
      if (lines === 1) socket.write(`USER ${config.user}\r\nPASS ${config.pass}\r\n`);
      if (lines === 3) break;
      at = chunk.indexOf(10, at + 1);
    }
    head += chunk.toString('latin1', 0, at === -1 ? chunk.length : at + 1);
    if (lines < 3) return;
    stage = 'bodies';
    let batch = '';
    for (let msg = 1; msg <= config.count; msg++) batch += `RETR ${msg}\r\n`;
    socket.write(`${batch}QUIT\r\n`);
    chunk = chunk.subarray(at + 1);
  }
  if (seen === config.count) return; // the QUIT reply
  let from = 0;
  // A terminator split across chunks: the last 4 bytes before, with the first 4 after.
  if (tail.length > 0) {
    const found = Buffer.concat([tail, chunk.subarray(0, 4)]).indexOf(TERMINATOR);
    if (found !== -1) {
      seen++;
      from = found + TERMINATOR.length - tail.length;
    }
  }
  while (seen < config.count) {
    const found = chunk.indexOf(TERMINATOR, from);
    if (found === -1) break;
    seen++;
    from = found + TERMINATOR.length;
  }
  bytes += seen === config.count ? from : chunk.length;
  tail = chunk.subarray(Math.max(0, chunk.length - 4));
});
socket.on('close', () => {
  const login = head.split('\r\n').slice(1, 3);
  const report = { count: seen, bytes, maxRss: process.resourceUsage().maxRSS };
  if (seen < config.count) Object.assign(report, { login });
  process.stdout.write(`${JSON.stringify(report)}\n`);
});
socket.on('error', (error) => {
  console.error(error.message);
  process.exitCode = 1;
});
