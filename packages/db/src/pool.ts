import { loadConfig, type WorkshopConfig } from '@workshop/config';
import pg from 'pg';

/**
 * A `pg` pool for the configured database.
 *
 * Pool policy for the embedded Postgres: `max: 1`. PGlite is one Postgres session behind a
 * multiplexing socket server: every connection shares it, queries run one at a time anyway, and
 * the server forwards protocol messages one by one, so two connections' extended-protocol
 * exchanges (Parse/Bind/Execute) or SET commands could interleave. One connection means
 * transactions and prepared statements cannot collide, at no cost in throughput. (Do not hold a
 * `pool.connect()` client while calling `pool.query()`: with one connection that waits forever.)
 */
export function createPool(
  config: Pick<WorkshopConfig, 'databaseUrl' | 'databaseSource'> = loadConfig(),
): pg.Pool {
  const embedded = config.databaseSource === 'embedded';
  const pool = new pg.Pool({
    connectionString: config.databaseUrl,
    max: embedded ? 1 : 10,
    connectionTimeoutMillis: 5000,
  });
  // An idle connection dropped by the server (a stopped stack) emits 'error' on the pool; without
  // a listener that would crash the process. The next query reconnects or reports the failure.
  pool.on('error', () => {});
  return pool;
}
