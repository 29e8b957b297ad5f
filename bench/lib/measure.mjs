// Runs one client as a separate process and measures it from spawn to exit: wall time in the
// bench; peak RSS and CPU time from GNU time (`/usr/bin/time`), or RSS from the child's report.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const GNU_TIME = '/usr/bin/time';
/** Peak RSS (KiB), user and system CPU seconds. */
const FORMAT = 'pop3kit-bench %M %U %S';
const PARSE = /^pop3kit-bench (\d+) ([\d.]+) ([\d.]+)\s*$/m;

/** True when GNU time is there to report any child's peak RSS (mpop can't report its own). */
export const haveGnuTime = (() => {
  if (!fs.existsSync(GNU_TIME)) return false;
  const probe = spawnSync(GNU_TIME, ['-f', FORMAT, 'true'], { encoding: 'utf8' });
  return probe.status === 0 && PARSE.test(probe.stderr);
})();

/**
 * Spawns `command args`, waits for it to exit, and resolves to
 * `{ seconds, rssKiB, cpuSeconds, code, stdout, stderr }`. Rejects after `timeoutMs`.
 */
export function measure(command, args, { scratch, timeoutMs = 600_000, env } = {}) {
  const rssFile = join(scratch, `rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const [cmd, argv] = haveGnuTime
    ? [GNU_TIME, ['-f', FORMAT, '-o', rssFile, command, ...args]]
    : [command, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} took longer than ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      clearTimeout(timer);
      let rssKiB;
      let cpuSeconds;
      if (haveGnuTime && fs.existsSync(rssFile)) {
        const match = PARSE.exec(fs.readFileSync(rssFile, 'utf8'));
        fs.rmSync(rssFile, { force: true });
        if (match) {
          rssKiB = Number(match[1]);
          cpuSeconds = Number(match[2]) + Number(match[3]);
        }
      }
      resolve({
        seconds,
        rssKiB,
        cpuSeconds,
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
