/**
 * What the state store keeps about a delivery in flight: enough to tell after a crash
 * whether it happened. Recorded before the first byte is written (see each writer).
 */
export type PendingDelivery =
  /** The file is tmp/NAME until renamed to new/NAME; a MUA may later move it to cur/NAME:2,FLAGS. */
  | { readonly kind: 'maildir'; readonly dir: string; readonly name: string }
  /** The entry's bytes at `offset` in the mbox, with their length and SHA-256 (hex). */
  | {
      readonly kind: 'mbox';
      readonly path: string;
      readonly offset: number;
      readonly length: number;
      readonly sha256: string;
    }
  /** An MDA cannot be asked whether it delivered: after a crash the message goes again. */
  | { readonly kind: 'mda'; readonly command: string }
  /** The archive at `path` holds (account, uid) once its transaction committed: after a crash
   * the archive is asked; ingest is idempotent by (account, uid) and content hash anyway.
   * `store` absent means SQLite (`path` a file); 'postgres': `path` is the connection URL. */
  | {
      readonly kind: 'archive';
      readonly path: string;
      readonly account: string;
      readonly store?: 'sqlite' | 'postgres';
    };
