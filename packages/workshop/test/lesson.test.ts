// `workshop lesson` with the real embedded services: with nothing running, with a running stack
// (of this data folder or another), with a broken .env, and lesson 1 of the course itself.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  dataFolder,
  interrupt,
  isRunning,
  REPO_ROOT,
  runCli,
  startCli,
  stopLeftovers,
  tableUrls,
  temporaryFolder,
  tempRoot,
} from './cli.ts';

// Real processes on a shared 2-core machine: generous bounds, so a busy moment is not a failure.
const SLOW = { timeout: 90_000 };

afterEach(stopLeftovers);

const { lockFile, env: stackEnv, stopWithCtrlC } = dataFolder();

// A lesson that reports what it was given: where its services are, and that each answers.
const DB = pathToFileURL(join(REPO_ROOT, 'packages/db/src/index.ts')).href;
const CONFIG = pathToFileURL(join(REPO_ROOT, 'packages/config/src/index.ts')).href;
const probeLesson = () =>
  tempRoot({
    'lessons/01-probe/package.json': '{ "type": "module" }\n',
    'lessons/01-probe/src/main.ts': `
import { createValkeyClient, loadConfig, pingUpstash } from '${CONFIG}';
import { createPool } from '${DB}';
const config = loadConfig();
const pool = createPool(config);
const { rows } = await pool.query('SELECT count(*)::int AS n FROM articles');
await pool.end();
await pingUpstash(config.upstash);
const valkey = createValkeyClient(config);
const pong = await valkey.ping();
valkey.disconnect();
console.log(JSON.stringify({ articles: rows[0].n, databaseUrl: config.databaseUrl, databaseSource: config.databaseSource, pong, args: process.argv.slice(2), cwd: process.cwd() }));
process.exit(3);
`,
  });

/** The probe lesson's report (stdout); the CLI's stderr says why when there is none. */
function report(run: { stdout: string; stderr: string }) {
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`The probe printed no report. stderr:\n${run.stderr}`);
  }
}

describe.sequential('workshop lesson', SLOW, () => {
  it('starts the embedded services for one run when nothing is running (initialising them), and stops them after', async () => {
    const run = await runCli(
      ['lesson', '01', '--flag'],
      await stackEnv({ WORKSHOP_ROOT: probeLesson() }),
    );
    // The first run in a fresh data folder shows the initialisation's progress.
    expect(run.stderr).toMatch(/First start: initialising the embedded Postgres/);
    const probe = report(run);
    expect(probe.articles).toBeGreaterThan(1000);
    // Served on a test port, still known as the embedded Postgres (its pool policy applies).
    expect(probe.databaseSource).toBe('embedded');
    expect(probe.pong).toBe('PONG');
    expect(probe.args).toEqual(['--flag']);
    expect(probe.cwd).toMatch(/lessons\/01-probe$/);
    expect(run.code).toBe(3); // the lesson's own exit code
    expect(existsSync(lockFile)).toBe(false);
  });

  // A terminal's Ctrl-C reaches the lesson and the CLI at once, and pnpm (which the root scripts
  // exec the CLI under) passes its own copy on to the CLI a moment later. However late that copy
  // comes, the CLI must still stop the services it started for the run.
  it.skipIf(process.platform === 'win32')(
    'stops the services it started when Ctrl-C ends the lesson, whatever copies of it follow',
    async () => {
      const root = tempRoot({
        'lessons/01-wait/package.json': '{ "type": "module" }\n',
        'lessons/01-wait/src/main.ts': "console.log('waiting');\nsetTimeout(() => {}, 60_000);\n",
      });
      const cli = startCli(['lesson', '1'], await stackEnv({ WORKSHOP_ROOT: root }), REPO_ROOT, {
        inGroup: true,
      });
      let copies: NodeJS.Timeout | undefined;
      try {
        await cli.waitFor(/waiting/, 60_000);
        interrupt(cli.child); // the terminal's Ctrl-C, to the whole group: the lesson ends
        // Then copies for the CLI alone, every 10 ms, while it stops the services.
        copies = setInterval(() => {
          if (cli.child.exitCode === null && cli.child.signalCode === null) {
            cli.child.kill('SIGINT');
          }
        }, 10);
        expect(await cli.exited, cli.output()).toBe(130); // the lesson's Ctrl-C, as its exit code
        expect(existsSync(lockFile), 'the services were not stopped').toBe(false);
      } finally {
        clearInterval(copies);
      }
    },
  );

  it('uses the local stack when it is running', async () => {
    const env = await stackEnv();
    const stack = startCli(['stack'], env);
    const urls = tableUrls(await stack.waitFor(/Press Ctrl-C/));
    // Other ports for the lesson: were it to start services of its own, they would differ.
    const run = await runCli(['lesson', 'probe'], await stackEnv({ WORKSHOP_ROOT: probeLesson() }));
    expect(report(run).databaseUrl).toBe(urls.postgres);
    expect(run.code).toBe(3);
    expect(isRunning(stack.child.pid as number)).toBe(true);

    // A stack of another data folder on our ports is found by asking it, with our token.
    const otherFolder = temporaryFolder('workshop-data-');
    const probed = await runCli(['lesson', 'probe'], {
      ...env,
      WORKSHOP_ROOT: probeLesson(),
      WORKSHOP_DATA_DIR: otherFolder,
    });
    expect(report(probed).databaseUrl).toBe(urls.postgres);
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

  it('says so when the lock names a live process that does not answer as a stack', async () => {
    // A live pid (this test's) on a port where nothing listens: a stuck stack, or a reused pid.
    // Its data folder may still be in use, so the lesson must not open it: one line, exit 1.
    const env = await stackEnv();
    const deadPort = Number(env.WORKSHOP_REST_PORT);
    const lock = {
      pid: process.pid,
      kind: 'stack',
      host: '127.0.0.1',
      restPort: deadPort,
      token: 'a-token',
    };
    writeFileSync(lockFile, JSON.stringify(lock));
    try {
      const started = Date.now();
      const run = await runCli(['lesson', '1'], env);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr.trim()).toMatch(
        new RegExp(
          `^The local stack \\(pid ${process.pid}, in .*stack\\.lock\\.json\\) does not answer on port ${deadPort}\\. .*delete that file\\.$`,
        ),
      );
      expect(run.stdout).toBe('');
      // The probe gives up after 1 s; the rest is starting the CLI on a busy machine.
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(JSON.parse(readFileSync(lockFile, 'utf8')), 'not taken over').toEqual(lock);
    } finally {
      rmSync(lockFile, { force: true });
    }
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

  it('serves lesson 4 in the browser with --web, and stops cleanly', async () => {
    const web = startCli(['lesson', '4', '--web'], await stackEnv());
    // The first start in a fresh data folder initialises Postgres: slow on a busy machine.
    const url = (
      await web.waitFor(/The wiki of lesson 04: (http:\/\/localhost:\d+)/, 150_000)
    ).match(/The wiki of lesson 04: (http:\/\/localhost:\d+)/)?.[1] as string;
    const first = await fetch(`${url}/`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toMatch(/^(HIT|MISS)$/);
    expect(first.headers.get('server-timing')).toMatch(/cache;.*db;/);
    expect(await first.text()).toContain('Lesson 04');
    // Ctrl-C in a terminal reaches the whole process group; here only the CLI gets a signal, so
    // SIGTERM, which the CLI passes on to the server.
    web.child.kill('SIGTERM');
    expect(await web.exited, web.output()).toBe(0);
    expect(existsSync(lockFile)).toBe(false);
  }, 200_000);

  it('runs lesson 1 of the course with nothing running', async () => {
    const run = await runCli(['lesson', '1'], await stackEnv());
    expect(run.stdout).toContain('Lesson 01');
    expect(run.code).toBe(0);
  });
});
