/**
 * How both archive stores keep a message's bytes and show its addresses, so the two cannot
 * drift: raw bytes brotli-compressed (quality 4, text mode), with the compression named per
 * blob so older gzip blobs still read.
 */
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompressSync, constants, gunzipSync } from 'node:zlib';

const brotli = promisify(brotliCompress);

/** Quality 4, not 5: the SQLite ingest waited on compression (idle main thread in the
 * profile); at 10,000 bench messages q4 ingests 714 msg/s against 602 (medians of 3) for
 * 0.8% more archive. */
const BROTLI = {
  params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
};

export interface StoredBytes {
  readonly compression: 'br';
  readonly data: Buffer;
}

/** The stored form of a message's raw bytes. Compressed on libuv's thread pool: brotli was
 * 0.34 of 0.95 ms of main-thread CPU per message in the SQLite ingest (profiled), and now
 * runs beside MIME parsing instead of after it. */
export async function compressRaw(raw: Buffer): Promise<StoredBytes> {
  return { compression: 'br', data: await brotli(raw, BROTLI) };
}

/** The raw bytes back from a stored blob. */
export function decompressRaw(compression: string, data: Buffer): Buffer {
  if (compression === 'br') return brotliDecompressSync(data);
  if (compression === 'gzip') return gunzipSync(data);
  throw new Error(`unknown compression '${compression}'`);
}

/** "Name <address>, address" as shown in search results and `show`. */
export function formatAddresses(list: readonly { name: string; address: string }[]): string {
  return list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(', ');
}
