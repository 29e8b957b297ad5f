/**
 * RFC 2449 §8 extended response codes: "-ERR [IN-USE] ..." or "-ERR [SYS/TEMP] ...".
 * resp-code = "[" resp-level *("/" resp-level) "]"; resp-level = 1*<any CHAR but "/" and "]">.
 * Returns the code upper-cased (codes are case-insensitive), or undefined when absent or
 * malformed: a malformed code is just text, never a reason to drop the connection.
 */
export function parseRespCode(text: string): string | undefined {
  if (!text.startsWith('[')) return undefined;
  const close = text.indexOf(']');
  if (close < 2 || close > 64) return undefined;
  const code = text.slice(1, close);
  for (const level of code.split('/')) {
    if (level.length === 0 || !/^[\x21-\x7e]+$/.test(level)) return undefined;
  }
  return code.toUpperCase();
}

/** Codes defined by RFC 2449 §8.1 and RFC 3206, for documentation and switch statements. */
export const RESP_CODES = ['IN-USE', 'LOGIN-DELAY', 'SYS/TEMP', 'SYS/PERM', 'AUTH', 'UTF8'] as const;
