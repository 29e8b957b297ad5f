// What every archive store offers (SqliteArchive, PostgresArchive). SQLite answers synchronously
// and PostgreSQL asynchronously, so callers `await` every result.
import type { Query } from './query.js';
import type { IngestResult, SearchRow, ShownMessage } from './sqlite-archive.js';

export type { IngestResult, SearchRow, ShownMessage } from './sqlite-archive.js';

export interface ArchiveStats {
  readonly messages: number;
  readonly locations: number;
  readonly blobs: number;
  readonly rawBytes: number;
  readonly storedBytes: number;
}

type MaybePromise<T> = T | Promise<T>;

export interface Archive {
  /** Archives one message; idempotent by (account, uid), bytes stored once per content hash. */
  ingest(account: string, uid: string, raw: Buffer): Promise<IngestResult>;
  /** Archives messages of one account, as `ingest` each. SQLite writes them in one transaction
   * (all or none); PostgreSQL commits each on its own. When it rejects, some may be archived:
   * ingesting them again changes nothing. */
  ingestMany(account: string, items: readonly { uid: string; raw: Buffer }[]): Promise<IngestResult[]>;
  /** Messages matching every term of `query`, newest first (undated last). */
  search(query: Query, options?: { limit?: number }): MaybePromise<SearchRow[]>;
  show(id: number): MaybePromise<ShownMessage | undefined>;
  raw(id: number): MaybePromise<Buffer | undefined>;
  stats(): MaybePromise<ArchiveStats>;
  close(): MaybePromise<void>;
}
