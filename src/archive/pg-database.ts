/**
 * What the PostgreSQL archive and the shared workers' lease board (src/fetch/shared) both
 * need from a database: pools that survive the server going away, transactions, and
 * versioned migrations that many processes may start at once.
 */
import type pg from 'pg';
import pgModule from 'pg';

/**
 * A pool whose clients never crash the process: a server that goes away (restarted, stopped,
 * the network cut) must fail the queries in flight, not the process. pg emits 'error' on an
 * idle pooled client (the pool's listener) and on a checked-out client between two queries of
 * a transaction (each client's own listener here); without a listener that would throw. The
 * next query on such a client rejects, which callers handle.
 */
export function openPool(url: string, options: { max: number; connectionTimeoutMillis?: number }): pg.Pool {
  const pool = new pgModule.Pool({ connectionString: url, ...options });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Runs `work` in BEGIN ... COMMIT on one client of `pool`; ROLLBACK when it throws. */
export async function inTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** One step of a schema: SQL, or a function for what SQL cannot do (a backfill). */
export type Migration = string | ((client: pg.PoolClient) => Promise<void>);

export interface Schema {
  /** Named in errors: 'archive', 'worker'. */
  readonly name: string;
  /** The one-row table that holds the version. */
  readonly versionTable: string;
  /** Serialises processes migrating at once (a transaction-level advisory lock). */
  readonly lock: number;
  /** Index i brings the schema from version i to i + 1. */
  readonly migrations: readonly Migration[];
}

/** Brings `schema` to its newest version, in one transaction; refuses a newer database. */
export async function migrate(pool: pg.Pool, schema: Schema): Promise<void> {
  const { migrations, versionTable } = schema;
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [schema.lock]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${versionTable} (version INTEGER NOT NULL)`);
    const row = (await client.query(`SELECT version FROM ${versionTable}`)).rows[0] as
      | { version: number }
      | undefined;
    let version = row?.version ?? 0;
    if (!row) await client.query(`INSERT INTO ${versionTable} (version) VALUES (0)`);
    if (version > migrations.length)
      throw new Error(
        `${schema.name} schema version ${version} is newer than this pop3kit (${migrations.length})`,
      );
    for (; version < migrations.length; version++) {
      const migration = migrations[version]!;
      if (typeof migration === 'string') await client.query(migration);
      else await migration(client);
    }
    await client.query(`UPDATE ${versionTable} SET version = $1`, [version]);
  });
}
