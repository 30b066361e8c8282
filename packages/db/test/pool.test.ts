import { LOCAL_DATABASE_URL } from '@workshop/config';
import { describe, expect, it } from 'vitest';
import { createPool } from '../src/index.ts';

// pg keeps the resolved pool options on the instance.
const maxOf = (pool: ReturnType<typeof createPool>) =>
  (pool as unknown as { options: { max: number } }).options.max;

describe('createPool', () => {
  it('uses one connection for the embedded Postgres (one shared session) and several otherwise', async () => {
    const pools = [
      createPool({
        databaseUrl: 'postgres://postgres@127.0.0.1:41234/postgres',
        databaseSource: 'embedded',
      }),
      createPool({ databaseUrl: LOCAL_DATABASE_URL, databaseSource: 'embedded' }),
      createPool({ databaseUrl: 'postgres://app@db.example:5432/wiki', databaseSource: 'env' }),
    ];
    expect(pools.map(maxOf)).toEqual([1, 1, 10]);
    await Promise.all(pools.map((pool) => pool.end()));
  });
});
