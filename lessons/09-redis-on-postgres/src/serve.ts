// The server on its own, for redis-cli, redis-benchmark or another app to talk to:
//
//   pnpm --filter @workshop/lesson-09-redis-on-postgres serve              (port 7379)
//   PORT=0 TABLE=my_keys LOGGED=1 pnpm --filter ... serve                  (any free port, logged)
//   redis-cli -p 7379 SET greeting hello
//
// Keys go to DATABASE_URL, else to the local stack's Postgres (`pnpm stack` in another terminal).
// PGLITE=1 says DATABASE_URL is an embedded PGlite: one session, so a pool of one connection.
// It prints `listening on redis://...` once it answers, and stops on Ctrl-C.

import { exitOnFatalError, loadConfig } from '@workshop/config';
import { createPool } from '@workshop/db';
import { startRespServer } from './resp-server.ts';

exitOnFatalError(9);

const config = loadConfig();
const pool = createPool({
  databaseUrl: config.databaseUrl,
  databaseSource: process.env.PGLITE === '1' ? 'embedded' : config.databaseSource,
});
const server = await startRespServer({
  pool,
  port: Number(process.env.PORT ?? 7379),
  table: process.env.TABLE ?? 'redis_keys',
  unlogged: process.env.LOGGED !== '1',
});
console.log(
  `listening on ${server.url}: keys in table ${server.table}${server.unlogged ? ' (UNLOGGED)' : ''} of ${config.databaseSource === 'embedded' ? 'the local stack' : 'DATABASE_URL'}`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await server.close();
    await pool.end();
    process.exit(0);
  });
}
