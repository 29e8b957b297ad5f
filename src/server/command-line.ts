/** One command line from the client, split as RFC 1939 §3 describes: a keyword, then
 * arguments separated by spaces. */
export interface CommandLine {
  /** Upper-case: keywords are case-insensitive (RFC 1939 §3). */
  readonly verb: string;
  readonly args: readonly string[];
  /** Everything after the keyword and its space, as sent: PASS takes it whole, since a
   * password may contain spaces (RFC 1939 §7). */
  readonly rest: string;
}

export type ParsedLine = { readonly ok: true; readonly command: CommandLine } | { readonly ok: false };

/** Parses a line (CRLF already removed). Refuses NUL and keywords that are not a word. */
export function parseCommandLine(line: Buffer): ParsedLine {
  if (line.includes(0)) return { ok: false };
  // UTF-8, since RFC 6856 clients may send UTF-8 user names and passwords after UTF8.
  const text = line.toString('utf8');
  const space = text.indexOf(' ');
  const keyword = space === -1 ? text : text.slice(0, space);
  if (!/^[A-Za-z][A-Za-z0-9-]{0,39}$/.test(keyword)) return { ok: false };
  const rest = space === -1 ? '' : text.slice(space + 1);
  const args = rest.split(' ').filter((word) => word.length > 0);
  return { ok: true, command: { verb: keyword.toUpperCase(), args, rest } };
}

/** Marks a command line that went over the length cap; it is answered -ERR in its turn. */
export const TOO_LONG = Symbol('line too long');
/** What the session's input queue holds: a line without its CRLF, or the overlong marker. */
export type InputItem = Buffer | typeof TOO_LONG;
