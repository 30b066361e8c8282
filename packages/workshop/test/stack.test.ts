// `workshop stack` and `workshop lesson` with the real embedded services, in a data folder of
// their own and on free ports. The tests share that folder and run in order: the first one pays
// for initdb, the rest start warm (as a learner's second start does).

import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createArticle,
  createPool,
  createUpstashClient,
  getArticle,
  LOCAL_STACK,
} from '@workshop/db';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  freePort,
  isRunning,
  REPO_ROOT,
  runCli,
  startCli,
  stopLeftovers,
  tempRoot,
} from './cli.ts';

// Real processes on a shared 2-core machine: generous bounds, so a busy moment is not a failure.
const SLOW = { timeout: 90_000 };

afterEach(stopLeftovers);

const dataDir = mkdtempSync(join(tmpdir(), 'workshop-data-'));
const lockFile = join(dataDir, 'stack.lock.json');

async function stackEnv(extra: Record<string, string> = {}) {
  return cleanEnv({
    WORKSHOP_DATA_DIR: dataDir,
    WORKSHOP_POSTGRES_PORT: String(await freePort()),
    WORKSHOP_REST_PORT: String(await freePort()),
    WORKSHOP_RESP_PORT: String(await freePort()),
    ...extra,
  });
}

/** The URLs in the table `workshop stack` prints. */
function tableUrls(output: string) {
  const url = (service: string) => {
    const match = new RegExp(`^ {2}${service}\\s+(\\S+)\\s+(embedded|real)`, 'm').exec(output);
    if (!match?.[1]) throw new Error(`No ${service} row in:\n${output}`);
    return match[1];
  };
  return {
    postgres: url('Postgres'),
    rest: url('Upstash REST'),
    resp: url('Valkey \\(Redis protocol\\)'),
  };
}

async function stopWithCtrlC(stack: ReturnType<typeof startCli>) {
  stack.child.kill('SIGINT');
  const code = await stack.exited;
  expect(code, stack.output()).toBe(0);
  expect(isRunning(stack.child.pid as number)).toBe(false);
  expect(existsSync(lockFile)).toBe(false);
}

// A lesson that reports what it was given: where its services are, and that each answers.
const DB = pathToFileURL(join(REPO_ROOT, 'packages/db/src/index.ts')).href;
const probeLesson = () =>
  tempRoot({
    'lessons/01-probe/package.json': '{ "type": "module" }\n',
    'lessons/01-probe/src/main.ts': `
import { createPool, createValkeyClient, loadConfig, pingUpstash } from '${DB}';
const config = loadConfig();
const pool = createPool(config);
const { rows } = await pool.query('SELECT count(*)::int AS n FROM articles');
await pool.end();
await pingUpstash(config.upstash);
const valkey = createValkeyClient(config);
const pong = await valkey.ping();
valkey.disconnect();
console.log(JSON.stringify({ articles: rows[0].n, databaseUrl: config.databaseUrl, pong, args: process.argv.slice(2), cwd: process.cwd() }));
process.exit(3);
`,
  });

describe.sequential('workshop stack', SLOW, () => {
  it('initialises on the first start, prints the table, stops on Ctrl-C leaving nothing behind, and keeps articles and keys across a restart', async () => {
    const env = await stackEnv();
    const first = startCli(['stack'], env);
    const output = await first.waitFor(/Press Ctrl-C/, 80_000);
    expect(output).toMatch(/First start: initialising the embedded Postgres/);
    expect(output).toMatch(/^ {2}service\s+where\s+source/m);
    const urls = tableUrls(output);
    expect(urls.postgres).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(urls.rest).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(urls.resp).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(lockFile)).toBe(true);

    const slug = `restart-${Date.now()}`;
    const pool = createPool({ databaseUrl: urls.postgres });
    await createArticle(pool, { slug, title: 'Survives', body: 'a restart', author: 'test' });
    await pool.end();
    const kv = (url: string) =>
      createUpstashClient({ upstash: { url, token: LOCAL_STACK.token, source: 'local' } });
    await kv(urls.rest).set('survives', 'a restart too');
    await stopWithCtrlC(first);

    const second = startCli(['stack'], env);
    const again = await second.waitFor(/Press Ctrl-C/);
    expect(again).not.toMatch(/First start/);
    const reopened = createPool({ databaseUrl: tableUrls(again).postgres });
    expect((await getArticle(reopened, slug))?.title).toBe('Survives');
    await reopened.end();
    expect(await kv(tableUrls(again).rest).get('survives')).toBe('a restart too');
    await stopWithCtrlC(second);
  });

  it('starts again after being killed (SIGKILL), with the committed articles', async () => {
    const env = await stackEnv();
    const killed = startCli(['stack'], env);
    const pool = createPool({
      databaseUrl: tableUrls(await killed.waitFor(/Press Ctrl-C/)).postgres,
    });
    const slug = `killed-${Date.now()}`;
    await createArticle(pool, {
      slug,
      title: 'Committed',
      body: 'before the kill',
      author: 'test',
    });
    await pool.end();
    killed.child.kill('SIGKILL');
    expect(await killed.exited).toBe('SIGKILL');
    expect(existsSync(lockFile)).toBe(true); // left behind, names a dead process

    const next = startCli(['stack'], env);
    const reopened = createPool({
      databaseUrl: tableUrls(await next.waitFor(/Press Ctrl-C/)).postgres,
    });
    expect((await getArticle(reopened, slug))?.title).toBe('Committed');
    await reopened.end();
    await stopWithCtrlC(next);
  });

  it('refuses a port in use with one line naming it, and exits 1', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await runCli(['stack'], await stackEnv({ WORKSHOP_REST_PORT: String(port) }));
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^Port ${port} \\(local Upstash REST\\) is already in use: .*\`pnpm doctor\`.*UPSTASH_REDIS_REST_URL`,
        ),
      );
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('reports a snapshot it cannot read in its own words, without a stack trace', async () => {
    const otherData = mkdtempSync(join(tmpdir(), 'workshop-data-'));
    mkdirSync(join(otherData, 'kv'));
    writeFileSync(join(otherData, 'kv', 'snapshot.bin'), 'not a snapshot');
    const run = await runCli(
      ['stack'],
      await stackEnv({
        WORKSHOP_DATA_DIR: otherData,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres', // not started, not contacted
      }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/snapshot\.bin cannot be read: .*Nothing was loaded/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(join(otherData, 'stack.lock.json'))).toBe(false);
  });

  it('shows real services from the environment instead of starting them', async () => {
    const valkey = 'redis://127.0.0.1:1';
    const stack = startCli(['stack'], await stackEnv({ VALKEY_URL: valkey }));
    const output = await stack.waitFor(/Press Ctrl-C/);
    expect(output).toMatch(
      /^ {2}Valkey \(Redis protocol\)\s+redis:\/\/127\.0\.0\.1:1\s+real\s+from VALKEY_URL$/m,
    );
    expect(output).toMatch(/^ {2}Upstash REST\s+\S+\s+embedded/m);
    await stopWithCtrlC(stack);
  });
});

describe.sequential('workshop lesson', SLOW, () => {
  it('starts the embedded services for one run when nothing is running, and stops them after', async () => {
    const run = await runCli(
      ['lesson', '01', '--flag'],
      await stackEnv({ WORKSHOP_ROOT: probeLesson() }),
    );
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout);
    expect(report.articles).toBeGreaterThan(1000);
    expect(report.pong).toBe('PONG');
    expect(report.args).toEqual(['--flag']);
    expect(report.cwd).toMatch(/lessons\/01-probe$/);
    expect(run.code).toBe(3); // the lesson's own exit code
    expect(existsSync(lockFile)).toBe(false);
  });

  it('uses the local stack when it is running', async () => {
    const env = await stackEnv();
    const stack = startCli(['stack'], env);
    const urls = tableUrls(await stack.waitFor(/Press Ctrl-C/));
    // Other ports for the lesson: were it to start services of its own, they would differ.
    const run = await runCli(['lesson', 'probe'], await stackEnv({ WORKSHOP_ROOT: probeLesson() }));
    expect(JSON.parse(run.stdout).databaseUrl).toBe(urls.postgres);
    expect(run.code).toBe(3);
    expect(isRunning(stack.child.pid as number)).toBe(true);

    // A stack of another data folder on our ports is found by asking it, with our token.
    const otherFolder = mkdtempSync(join(tmpdir(), 'workshop-data-'));
    const probed = await runCli(['lesson', 'probe'], {
      ...env,
      WORKSHOP_ROOT: probeLesson(),
      WORKSHOP_DATA_DIR: otherFolder,
    });
    expect(JSON.parse(probed.stdout).databaseUrl).toBe(urls.postgres);
    expect(existsSync(join(otherFolder, 'postgres'))).toBe(false);
    const doctorElsewhere = await runCli(['doctor'], { ...env, WORKSHOP_DATA_DIR: otherFolder });
    expect(doctorElsewhere.stdout).toMatch(
      /^✓ port \d+ \(local Upstash REST\) is held by the running local stack \(from another data folder\)$/m,
    );

    const doctor = await runCli(['doctor'], env);
    expect(doctor.stdout).toMatch(
      /^✓ port \d+ \(embedded Postgres\) is held by the running local stack/m,
    );
    expect(doctor.stdout).toMatch(/^✓ Upstash: the local kv-server, running at/m);
    await stopWithCtrlC(stack);
  });

  it('stops at a broken .env with its message, leaving no lesson process behind', async () => {
    const root = probeLesson();
    writeFileSync(join(root, '.env'), 'VALKEY_URL=http://127.0.0.1:6379\n');
    // runCli waits for stdout to close: a lesson process left waiting would hold it open.
    const run = await runCli(['lesson', '1'], await stackEnv({ WORKSHOP_ROOT: root }));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toMatch(/^VALKEY_URL is an http\(s\):\/\/ URL: .*redis:\/\//);
    expect(existsSync(lockFile)).toBe(false);
  });

  it('runs lesson 1 of the course with nothing running', async () => {
    const run = await runCli(['lesson', '1'], await stackEnv());
    expect(run.stdout).toContain('Lesson 01');
    expect(run.code).toBe(0);
  });
});
