/**
 * Runs a user's shell command (an MDA, a filter) with a message on stdin, as mpop and
 * fetchmail do: `/bin/sh -c COMMAND`, so pipes and quoting work as the user wrote them.
 */
import { spawn } from 'node:child_process';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LfConverter } from '../protocol/line-ends.js';

export interface CommandResult {
  /** The exit status, or undefined when a signal ended it. */
  readonly code: number | undefined;
  readonly signal: string | undefined;
  /** The end of its stderr, for error messages. */
  readonly stderr: string;
}

const STDERR_KEEP = 2048;

/** CRLF -> LF as a stream stage. */
function lfTransform(): Transform {
  const lf = new LfConverter();
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      done(null, lf.push(chunk));
    },
    flush(done) {
      done(null, lf.end());
    },
  });
}

/**
 * Feeds `input` (CRLF turned into LF) to the command and waits for it to exit. A command
 * that exits without reading everything is fine (its status decides); a failure of `input`
 * itself (a dropped connection while streaming) rejects with that error.
 */
export async function runCommand(
  command: string,
  input: Buffer | Readable,
  env: Readonly<Record<string, string>> = {},
): Promise<CommandResult> {
  const child = spawn('/bin/sh', ['-c', command], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEEP);
  });
  const exited = new Promise<CommandResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ code: code ?? undefined, signal: signal ?? undefined, stderr: stderr.trim() }),
    );
  });
  let sourceError: unknown;
  const source = Buffer.isBuffer(input) ? Readable.from([input]) : input;
  source.once('error', (error) => {
    sourceError = error;
  });
  // EPIPE and friends only mean the command stopped reading; its exit status tells the rest.
  const fed = pipeline(source, lfTransform(), child.stdin).catch(() => {});
  const [result] = await Promise.all([exited, fed]);
  if (sourceError !== undefined) throw sourceError;
  return result;
}

/** "exit status 3: <stderr>" or "killed by SIGTERM". */
export function describeExit(result: CommandResult): string {
  const how = result.code === undefined ? `killed by ${result.signal}` : `exit status ${result.code}`;
  return result.stderr ? `${how}: ${result.stderr}` : how;
}
