/**
 * Builders of the queue's command specs: the verb line, what the body goes into and how the
 * reply is shaped. Pop3Client's methods stay one line each on top of these.
 */
import { Pop3StateError } from '../errors.js';
import { assertMessageNumber, type CommandArgument, encodeCommand } from '../protocol/encoder.js';
import { CollectingSink, StreamSink } from './body-sinks.js';
import type { CommandSpec } from './command-queue.js';
import type { DebugLog } from './debug-log.js';
import { listingLines } from './listing-lines.js';

/** The limits a spec needs, from the connect options. */
export interface SpecLimits {
  readonly maxMessageSize: number;
  readonly maxListingSize: number;
  readonly maxLineLength: number;
  readonly log: DebugLog;
}

/** A reply as sent, for `command()`: the raw status line and the decoded body, if any. */
export interface RawReply {
  /** The "+OK" status line without CRLF. */
  readonly line: Buffer;
  /** The text after "+OK ". */
  readonly text: string;
  /** The body of a multi-line reply, dot-stuffing undone; undefined for single-line ones. */
  readonly body: Buffer | undefined;
}

export const textOf = (text: string): string => text;

/** A single-line command with an optional message number; `shape` turns "+OK" text into the result. */
export function simpleSpec<T>(
  verb: string,
  msg: number | undefined,
  shape: (text: string) => T,
): CommandSpec<T> {
  const args: CommandArgument[] = [];
  if (msg !== undefined) {
    assertMessageNumber(verb, msg);
    args.push(msg);
  }
  return { verb, line: encodeCommand(verb, args), result: (reply) => shape(reply.text) };
}

/** RETR and TOP into one Buffer. */
export function bodySpec(verb: 'RETR' | 'TOP', args: number[], limits: SpecLimits): CommandSpec<Buffer> {
  assertMessageNumber(verb, args[0]!);
  const limit = limits.maxMessageSize;
  return {
    verb,
    line: encodeCommand(verb, args),
    multiline: true,
    sink: () => new CollectingSink(limit, verb),
    result: (reply) => (reply.sink as CollectingSink).body,
  };
}

/** RETR as a stream, resolved at "+OK" while the body keeps flowing. */
export function streamSpec(msg: number, limits: SpecLimits): CommandSpec<StreamSink> {
  assertMessageNumber('RETR', msg);
  const limit = limits.maxMessageSize;
  return {
    verb: 'RETR',
    line: encodeCommand('RETR', [msg]),
    multiline: true,
    resolveOnStatus: true,
    sink: () => new StreamSink(limit),
    result: (reply) => reply.sink as StreamSink,
  };
}

/** LIST, UIDL and CAPA: a bounded body of bounded lines, shown line by line at debug level 2. */
export function listingSpec<T>(
  verb: 'LIST' | 'UIDL' | 'CAPA',
  shape: (lines: string[]) => T,
  limits: SpecLimits,
  encoding: BufferEncoding = 'utf8',
): CommandSpec<T> {
  const { maxListingSize, maxLineLength, log } = limits;
  return {
    verb,
    line: encodeCommand(verb),
    multiline: true,
    logsOwnBody: true,
    sink: () => new CollectingSink(maxListingSize, verb, maxLineLength),
    result: (reply) => {
      const lines = listingLines((reply.sink as CollectingSink).body, encoding);
      for (const line of lines) log.listingLine(line);
      return shape(lines);
    },
  };
}

/** Commands that change the session under the client's feet, or carry credentials (which
 * the plaintext policy and log redaction must see), have their own methods. */
const OWN_METHOD: Record<string, string> = {
  STLS: 'stls()',
  AUTH: 'auth()',
  QUIT: 'quit()',
  UTF8: 'utf8()',
  USER: 'user()',
  PASS: 'pass()',
  APOP: 'apop()',
  RPOP: 'rpop()',
};

/** Listing replies keep the listing limit when sent through command(). */
const LISTING_VERBS = new Set(['LIST', 'UIDL', 'CAPA']);

/** Any other command, with its raw status line (the poplib facade's exact bytes). */
export function rawSpec(
  verb: string,
  args: readonly CommandArgument[],
  multiline: boolean,
  limits: SpecLimits,
): CommandSpec<RawReply> {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(verb))
    throw new TypeError(`not a POP3 command verb: ${JSON.stringify(verb)}`);
  const upper = verb.toUpperCase();
  const own = OWN_METHOD[upper];
  if (own) throw new Pop3StateError(`${upper} changes the session; use ${own}`);
  const limit = LISTING_VERBS.has(upper) ? limits.maxListingSize : limits.maxMessageSize;
  return {
    verb: upper,
    line: encodeCommand(upper, args),
    multiline,
    sink: multiline ? () => new CollectingSink(limit, upper) : undefined,
    result: (reply) => ({
      line: reply.line,
      text: reply.text,
      body: (reply.sink as CollectingSink | undefined)?.body,
    }),
  };
}
