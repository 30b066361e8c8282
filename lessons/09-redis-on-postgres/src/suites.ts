// Lesson 05's checkpoints (lessons 03 and 04's behaviours, over iovalkey) against this lesson's
// server: the same test files that pass on Valkey, with VALKEY_URL pointed here.
//
//   pnpm --filter @workshop/lesson-09-redis-on-postgres suites            (keys on a fresh PGlite)
//   DATABASE_URL=postgres://... pnpm --filter ... suites                   (keys on that Postgres)
//   pnpm --filter ... suites --logged                                      (a logged table)
//   pnpm --filter ... suites --url redis://127.0.0.1:7379                  (a server already running)
//
// Those suites run in services mode (`pnpm test:services`): the wiki's database on a real
// Postgres (TEST_DATABASE_URL, default 127.0.0.1:5432), and every RESP URL on this server.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool, startEmbeddedPostgres } from '@workshop/db';
import { startRespServer } from './resp-server.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const SUITES = ['cache', 'counters', 'rate-limit', 'race'].map((name) => `test/${name}.test.ts`);

const argv = process.argv.slice(2);
const given = argv.includes('--url') ? argv[argv.indexOf('--url') + 1] : undefined;
const cleanup: (() => Promise<unknown>)[] = [];
let url = given;
if (!url) {
  // The keys' Postgres: DATABASE_URL, or an embedded PGlite in a temporary folder.
  let databaseUrl = process.env.DATABASE_URL;
  let embedded = false;
  if (!databaseUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'pg-resp-'));
    console.log('Starting an embedded PGlite for the keys (the first start takes a few seconds)');
    const postgres = await startEmbeddedPostgres({ dataDir, port: 0 });
    cleanup.push(async () => {
      await postgres.close();
      rmSync(dataDir, { recursive: true, force: true });
    });
    databaseUrl = postgres.url;
    embedded = true;
  }
  const pool = createPool({ databaseUrl, databaseSource: embedded ? 'embedded' : 'env' });
  const unlogged = !argv.includes('--logged');
  const server = await startRespServer({ pool, table: 'redis_suites', unlogged });
  cleanup.unshift(async () => {
    await server.close();
    await pool.query('DROP TABLE IF EXISTS redis_suites_zset, redis_suites');
    await pool.end();
  });
  url = server.url;
  console.log(
    `The server: ${url}, keys in ${embedded ? 'PGlite' : 'DATABASE_URL'}, table redis_suites${unlogged ? ' (UNLOGGED)' : ''}`,
  );
}

// #region run
const report = join(mkdtempSync(join(tmpdir(), 'suites-')), 'report.json');
console.log(`Running lesson 05's ${SUITES.join(', ')} (their "Valkey over TCP" half) against it\n`);
// spawn, not spawnSync: the server answers from this process, whose event loop must keep running.
const child = spawn(
  process.execPath,
  [
    join(REPO, 'node_modules/vitest/vitest.mjs'),
    'run',
    ...SUITES.map((file) => `lessons/05-valkey-swap/${file}`),
    '--testNamePattern',
    'Valkey over TCP',
    // The same tests, with more time each: 1,000 INCRs one statement after the other take
    // seconds on Postgres, and more on a busy machine, where Valkey takes milliseconds.
    '--testTimeout=120000',
    '--reporter=json',
    `--outputFile=${report}`,
  ],
  {
    cwd: REPO,
    env: {
      ...process.env,
      WORKSHOP_TEST_SERVICES: '1',
      // Both RESP URLs here: the suites flush their Redis db too, and this server is theirs.
      TEST_VALKEY_URL: url,
      TEST_REDIS_URL: url,
    },
  },
);
let stderr = '';
child.stderr.on('data', (chunk) => {
  stderr += chunk;
});
child.stdout.resume();
const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
// #endregion run

let results: {
  name: string;
  message?: string;
  assertionResults: { fullName: string; status: string; failureMessages?: string[] }[];
}[] = [];
try {
  results = JSON.parse(readFileSync(report, 'utf8')).testResults;
} catch {
  console.log(`The suites did not run:\n${stderr.slice(-2000)}`);
}
let failed = 0;
let passed = 0;
for (const file of results) {
  const ran = file.assertionResults.filter(
    (test) => test.status !== 'skipped' && test.status !== 'pending',
  );
  const bad = ran.filter((test) => test.status !== 'passed');
  failed += bad.length;
  passed += ran.length - bad.length;
  console.log(
    `${bad.length === 0 ? 'pass' : 'FAIL'}  ${file.name.replace(`${REPO}/`, '')}: ${ran.length - bad.length}/${ran.length}`,
  );
  for (const test of bad) {
    console.log(`      failed: ${test.fullName}`);
    console.log(`        ${test.failureMessages?.[0]?.split('\n')[0] ?? ''}`);
  }
  if (file.message) {
    failed++;
    console.log(`      ${file.message.split('\n')[0]}`);
  }
}
console.log(`\n${passed} passed, ${failed} failed`);
if (results.length === 0 && status !== 0) {
  console.log(
    'They need a real Postgres for the wiki (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).',
  );
}
for (const close of cleanup) await close();
process.exitCode = failed > 0 || results.length === 0 ? 1 : 0;
