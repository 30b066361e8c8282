import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serviceUrls } from '@workshop/test-support/services';
import { type ProbeResult, probePostgres, probeResp } from '../probes.ts';
import { runVitest } from '../vitest-run.ts';
import { findRepoRoot } from '../workspace.ts';

// The defaults are test-support's, which the suites use too: one place says where they are.
const DEFAULTS = serviceUrls({});

/**
 * The folders whose tests use no service: the CLI's own tests, the lesson model, the process
 * helpers, the site. `pnpm test` and `pnpm test:cli` have run them; here they would only run the
 * same way a second time (the CLI's tests alone take more than a third of the CPU of both).
 * test/test-services.test.ts fails if a test in one of them starts to use a service.
 */
export const SERVICE_FREE_FOLDERS = [
  'packages/workshop',
  'packages/course',
  'packages/proc',
  'site',
];

export const help = `Usage: workshop test-services [vitest args...]   (pnpm test:services)

Runs the test suites that use a service (vitest run at the repo root; the folders that use none,
${SERVICE_FREE_FOLDERS.join(', ')},
are left to pnpm test and test:cli) against the real services instead of the embedded ones:
first checks that each answers, then sets WORKSHOP_TEST_SERVICES=1 and
  TEST_DATABASE_URL  (default ${DEFAULTS.database})
  TEST_REDIS_URL     (default ${DEFAULTS.redis})
  TEST_VALKEY_URL    (default ${DEFAULTS.valkey})
Set any of them in the environment to use another server. A folder or test file of your own
(pnpm test:services lessons/05-valkey-swap) runs that instead.`;

const SERVICES = [
  {
    name: 'Postgres',
    envVar: 'TEST_DATABASE_URL',
    fallback: DEFAULTS.database,
    probe: probePostgres,
    start: 'start it: sudo service postgresql start (or point TEST_DATABASE_URL at another one)',
  },
  {
    name: 'Redis',
    envVar: 'TEST_REDIS_URL',
    fallback: DEFAULTS.redis,
    probe: probeResp,
    start: "start it: redis-server --port 6379 --save '' --appendonly no --daemonize yes",
  },
  {
    name: 'Valkey',
    envVar: 'TEST_VALKEY_URL',
    fallback: DEFAULTS.valkey,
    probe: probeResp,
    start:
      "start it: valkey-server --port 6390 --save '' --appendonly no --daemonize yes (.ci/run installs it)",
  },
] as const;

/** Every other folder with tests (packages/*, lessons/*), as the path filters vitest takes. */
export function serviceFolders(root: string): string[] {
  const folders: string[] = [];
  for (const zone of ['packages', 'lessons']) {
    for (const folder of readdirSync(join(root, zone)).sort()) {
      if (!existsSync(join(root, zone, folder, 'test'))) continue;
      folders.push(`${zone}/${folder}`);
    }
  }
  return folders.filter((folder) => !SERVICE_FREE_FOLDERS.includes(folder));
}

export async function run(args: string[]): Promise<number> {
  const root = findRepoRoot();
  const urls = SERVICES.map((service) => process.env[service.envVar] || service.fallback);
  const results: ProbeResult[] = await Promise.all(
    SERVICES.map((service, i) => service.probe(urls[i] as string, 1500)),
  );
  let missing = 0;
  SERVICES.forEach((service, i) => {
    const result = results[i] as ProbeResult;
    if (result.ok) return;
    missing++;
    console.error(
      `✗ ${service.name} at ${urls[i]} (${service.envVar}): ${result.detail}; ${service.start}`,
    );
  });
  if (missing > 0) return 1;

  console.log(`Testing against Postgres ${urls[0]}, Redis ${urls[1]}, Valkey ${urls[2]}`);
  // A folder or file of the caller's own chooses; otherwise every folder that uses a service,
  // each as a path filter (`packages/db/`: the slash keeps `packages/db` from matching more).
  const chosen = args.some((arg) => !arg.startsWith('-') && existsSync(resolve(root, arg)));
  const folders = chosen ? [] : serviceFolders(root).map((folder) => `${folder}/`);
  if (!chosen) {
    console.log(
      `Left to \`pnpm test\` and \`pnpm test:cli\` (they use no service): ${SERVICE_FREE_FOLDERS.join(', ')}\n`,
    );
  }
  const env = {
    ...process.env,
    WORKSHOP_TEST_SERVICES: '1',
    TEST_DATABASE_URL: urls[0],
    TEST_REDIS_URL: urls[1],
    TEST_VALKEY_URL: urls[2],
  };
  return (await runVitest(root, [...folders, ...args], { env })).code;
}
