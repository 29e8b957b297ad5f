import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { findExecutable, type InteropServer, run, startInteropServer } from './helpers/interop.js';

// Debian's python3 (what CI installs) first: version-manager shims can take a second to start.
const python = findExecutable('python3', ['/usr/bin/python3']);
const skip = python === undefined ? 'python3 is not installed (apt package python3)' : false;

// Python's own POP3 client: retrieves every message, saving each under its UIDL, then
// optionally deletes them all. Lines come back without CRLF and unstuffed; joining them with
// LF gives the Maildir file back.
const SCRIPT = `
import os, poplib, ssl, sys
port, mode, cafile, outdir, delete = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == 'delete'
pop = poplib.POP3('127.0.0.1', port, timeout=30)
if mode == 'stls':
    pop.stls(context=ssl.create_default_context(cafile=cafile))
caps = pop.capa()
assert 'UIDL' in caps and 'TOP' in caps, caps
pop.user('alice')
pop.pass_('secret')
count, size = pop.stat()
uids = dict(line.decode().split(' ', 1) for line in pop.uidl()[1])
total = 0
for n in range(1, count + 1):
    resp, lines, octets = pop.retr(n)
    total += octets
    with open(os.path.join(outdir, uids[str(n)]), 'wb') as f:
        f.write(b''.join(line + b'\\n' for line in lines))
    if delete:
        pop.dele(n)
print(count, size, total, pop.quit().decode())
`;

describe("Python's poplib against the server", { skip }, () => {
  let current: InteropServer | undefined;
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });

  for (const mode of ['plain', 'stls'] as const) {
    it(`retrieves every message byte-identical over ${mode === 'plain' ? 'plain TCP' : 'STLS'}, then DELE + QUIT empties the Maildir`, async () => {
      const env = await startInteropServer();
      current = env;
      const script = join(env.work, 'client.py');
      writeFileSync(script, SCRIPT);
      const out = join(env.work, 'out');
      mkdirSync(out);
      const result = await run(python!, [script, String(env.port), mode, env.caFile, out, 'delete']);
      assert.equal(result.code, 0, result.stderr);
      const [count, size, octets, ...bye] = result.stdout.trim().split(' ');
      assert.equal(Number(count), env.delivered.size);
      // poplib counts the unstuffed wire octets, CRLF included: STAT's size must be exactly that.
      assert.equal(Number(octets), Number(size));
      assert.match(bye.join(' '), /^\+OK Logging out\. 0 messages left$/);
      for (const [name, message] of env.delivered) {
        assert.deepEqual(readFileSync(join(out, name)), message, `message ${name}`);
      }
      assert.deepEqual(env.maildirs.files('alice'), []);
      assert.deepEqual(
        env.logins.map((l) => l.secure),
        [mode === 'stls'],
      );
    });
  }
});
