/**
 * Connection pools for the PostgreSQL archive and the shared workers' lease board. A server
 * that goes away (restarted, stopped, the network cut) must fail the queries in flight, never
 * the process: pg emits 'error' on an idle pooled client (the pool's listener) and on a
 * checked-out client between two queries of a transaction (each client's own listener here);
 * an 'error' event without a listener would crash the process. The next query on such a
 * client rejects, which the callers already handle.
 */
import pg from 'pg';

export function openPool(url: string, options: { max: number; connectionTimeoutMillis?: number }): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, ...options });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}
