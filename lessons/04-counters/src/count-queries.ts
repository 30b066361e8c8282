// How many queries reach Postgres while some code runs: what a cache is for, counted on the real
// pool (each pool.query() checks out a connection, and the pool says so with 'acquire').

import type pg from 'pg';

export async function countQueries(pool: pg.Pool, call: () => Promise<unknown>): Promise<number> {
  let queries = 0;
  const count = () => queries++;
  pool.on('acquire', count);
  try {
    await call();
  } finally {
    pool.off('acquire', count);
  }
  return queries;
}
