/** Splits a decoded listing body (LIST, UIDL, CAPA) into its lines, CRLF or bare LF. */
export function listingLines(body: Buffer, encoding: BufferEncoding): string[] {
  if (body.length === 0) return [];
  const lines = body.toString(encoding).split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}
