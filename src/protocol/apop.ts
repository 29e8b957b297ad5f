/**
 * Finds the APOP timestamp in a greeting (RFC 1939 §7): the first "<...>" that is a valid
 * msg-id (RFC 5322 §3.6.4): printable ASCII without spaces or angle brackets, with one "@"
 * between non-empty parts. A plain linear scan: poplib's regex once backtracked badly on a
 * hostile greeting (CVE-2018-1060, test_apop_REDOS).
 */
export function extractApopTimestamp(greeting: string): string | undefined {
  const open = greeting.indexOf('<');
  if (open === -1) return undefined;
  const close = greeting.indexOf('>', open + 1);
  if (close === -1) return undefined;
  const id = greeting.slice(open + 1, close);
  const at = id.indexOf('@');
  if (at <= 0 || at === id.length - 1 || id.indexOf('@', at + 1) !== -1) return undefined;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x3c) return undefined;
  }
  return greeting.slice(open, close + 1);
}
