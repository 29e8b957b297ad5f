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

const mpop = findExecutable('mpop');
const skip = mpop === undefined ? 'mpop is not installed (apt package mpop)' : false;

describe('mpop against the server', { skip }, () => {
  let current: InteropServer | undefined;
  afterEach(async () => {
    await current?.cleanup();
    current = undefined;
  });

  for (const mode of ['plain', 'stls'] as const) {
    it(`delivers every message byte-identical into a Maildir over ${mode === 'plain' ? 'plain TCP' : 'STLS'}, and deletes them`, async () => {
      const env = await startInteropServer();
      current = env;
      const out = join(env.work, 'Maildir');
      for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(out, sub), { recursive: true });
      const config = join(env.work, 'mpoprc');
      const tls =
        mode === 'plain'
          ? ['tls off']
          : ['tls on', 'tls_starttls on', `tls_trust_file ${env.caFile}`, 'tls_host_override localhost'];
      // mpop picks the strongest SASL mechanism it shares with the server (SCRAM-SHA-256 here);
      // received_header off keeps the delivered files equal to the originals; keep off deletes.
      const lines = [
        'defaults',
        ...tls,
        'account test',
        'host 127.0.0.1',
        `port ${env.port}`,
        'user alice',
        'password secret',
        `delivery maildir ${out}`,
        'received_header off',
        'keep off',
        `uidls_file ${join(env.work, 'uidls')}`,
      ];
      writeFileSync(config, `${lines.join('\n')}\n`, { mode: 0o600 });
      const result = await run(mpop!, ['-C', config, '-q', 'test']);
      assert.equal(result.code, 0, `mpop failed: ${result.stderr}${result.stdout}`);
      assert.deepEqual(readAll(join(out, 'new')), sortedCorpus(env.delivered));
      assert.deepEqual(env.maildirs.files('alice'), [], 'DELE + QUIT removed every file');
      assert.deepEqual(
        env.logins.map((l) => l.secure),
        [mode === 'stls'],
      );
    });
  }
});
