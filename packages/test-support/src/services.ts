import { isProcessAlive } from '@workshop/config';
import { migrate, seed, TEST_SEED_ARTICLE_COUNT } from '@workshop/db';
import pg from 'pg';
import { templateKey } from './template.ts';

/** `pnpm test:services` sets WORKSHOP_TEST_SERVICES=1: the suites then run on real services. */
export function servicesRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.WORKSHOP_TEST_SERVICES === '1' || env.WORKSHOP_TEST_SERVICES === 'true';
}

export function serviceUrls(env: NodeJS.ProcessEnv = process.env) {
  return {
    database: env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    redis: env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
    valkey: env.TEST_VALKEY_URL || 'redis://127.0.0.1:6390',
  };
}

/** The same URL pointing at another database (Postgres) or db number (Redis). */
export function withPath(url: string, path: string | number): string {
  const u = new URL(url);
  u.pathname = `/${path}`;
  return u.toString();
}

const TEMPLATE_PREFIX = 'workshop_tpl_';
export const TEST_DB_PREFIX = 'workshop_test_';

export function servicesTemplateName(): string {
  return `${TEMPLATE_PREFIX}${templateKey()}`;
}

/**
 * Creates the migrated + seeded template database on the real Postgres once (per schema
 * version), and drops test databases left behind by runs whose process is gone.
 */
export async function ensureServicesTemplate(): Promise<string> {
  const name = servicesTemplateName();
  const admin = new pg.Client({ connectionString: serviceUrls().database });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock(7294002)');
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'workshop\\_%'`,
    );
    for (const { datname } of rows) {
      const pid = Number(datname.slice(TEST_DB_PREFIX.length).split('_')[0]);
      const staleTest = datname.startsWith(TEST_DB_PREFIX) && pid > 0 && !isProcessAlive(pid);
      const oldTemplate = datname.startsWith(TEMPLATE_PREFIX) && datname !== name;
      if (staleTest) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      // An old schema's template: gone unless a run still copies it (then it stays for next time).
      if (oldTemplate) await admin.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => {});
    }
    if (!rows.some((r) => r.datname === name)) {
      const building = `${name}_building`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${building}"`);
      const pool = new pg.Pool({
        connectionString: withPath(serviceUrls().database, building),
        max: 2,
      });
      try {
        await migrate(pool);
        await seed(pool, { articles: TEST_SEED_ARTICLE_COUNT });
      } finally {
        await pool.end();
      }
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock(7294002)').catch(() => {});
    await admin.end();
  }
  return name;
}
