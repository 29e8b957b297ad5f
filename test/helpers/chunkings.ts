/** Ways to cut a byte fixture into chunks: whole, byte by byte, and split at every position.
 * Most framing bugs live at chunk boundaries (node-redis's decoder spec runs fixtures so). */
export function* chunkings(bytes: Buffer): Generator<{ name: string; chunks: Buffer[] }> {
  yield { name: 'whole', chunks: [bytes] };
  const single: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
  yield { name: 'byte by byte', chunks: single };
  for (let cut = 1; cut < bytes.length; cut++) {
    yield { name: `split at ${cut}`, chunks: [bytes.subarray(0, cut), bytes.subarray(cut)] };
  }
}
