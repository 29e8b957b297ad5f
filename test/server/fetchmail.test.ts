import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import {
  findExecutable,
  type InteropServer,
  readAll,
  run,
  sortedCorpus,
  startInteropServer,
} from './helpers/interop.js';

const fetchmail = findExecutable('fetchmail');
const skip = fetchmail === undefined ? 'fetchmail is not installed (apt package fetchmail)' : false;

describe('fetchmail against the server', { skip }, () => {
  let current: InteropServer | undefined;
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });

  for (const mode of ['plain', 'stls'] as const) {
    it(`hands every message byte-identical to an MDA over ${mode === 'plain' ? 'plain TCP' : 'STLS'}, and deletes them`, async () => {
      const env = await startInteropServer();
      current = env;
      const out = join(env.work, 'out');
      mkdirSync(out);
      const mda = join(env.work, 'mda.sh');
      writeFileSync(mda, `#!/bin/sh\nexec cat > "$(mktemp '${out}/msg.XXXXXX')"\n`, { mode: 0o755 });
      const tls =
        mode === 'plain'
          ? 'sslproto ""'
          : `sslproto "tls1.2+" sslcertck sslcertfile "${env.caFile}" sslcommonname "localhost"`;
      // "invisible" stops fetchmail adding a Received: header and "no rewrite" keeps the
      // addresses as they are, so the MDA gets the message exactly as stored.
      const rc = [
        'set no bouncemail',
        'set invisible',
        `poll 127.0.0.1 service ${env.port} protocol POP3 auth password`,
        '  user "alice" there with password "secret" is "fetcher" here',
        `  options nokeep fetchall no rewrite ${tls}`,
        `  mda "${mda}"`,
      ];
      const rcFile = join(env.work, 'fetchmailrc');
      writeFileSync(rcFile, `${rc.join('\n')}\n`, { mode: 0o600 });
      const home = join(env.work, 'home');
      mkdirSync(home);
      const result = await run(fetchmail!, ['-f', rcFile, '-i', join(home, 'ids'), '--nodetach'], {
        ...process.env,
        HOME: home,
        FETCHMAILHOME: home,
      });
      assert.equal(result.code, 0, `fetchmail failed: ${result.stderr}${result.stdout}`);
      assert.deepEqual(readAll(out), sortedCorpus(env.delivered));
      assert.deepEqual(env.maildirs.files('alice'), [], 'DELE + QUIT removed every file');
      assert.deepEqual(
        env.logins.map((l) => l.secure),
        [mode === 'stls'],
      );
    });
  }
});
