// What serves the local stack's VALKEY_URL: a private valkey-server when one is on the PATH
// (started and stopped with the stack, one left by a killed stack stopped at the next start),
// else the kv-server's engine with one line saying so. Real processes: `workshop stack` and
// `workshop lesson`, with the PATH as found and with valkey-server masked out of it. Postgres is
// a real one "from .env" that is never contacted, so no test waits for an embedded one.
import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'iovalkey';
import { afterEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../src/cluster.ts';
import { ENGINE_NOTE } from '../src/local-valkey.ts';
import {
  dataFolder,
  isRunning,
  REPO_ROOT,
  runCli,
  startCli,
  stopLeftovers,
  tableUrls,
  temporaryFolder,
  tempRoot,
} from './cli.ts';

const SLOW = { timeout: 90_000 };
afterEach(stopLeftovers);

const data = dataFolder();
const NO_POSTGRES = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' };

/** The environment of a learner with nothing configured: WORKSHOP_VALKEY unset. */
async function learnerEnv(extra: Record<string, string> = {}) {
  const { WORKSHOP_VALKEY: _, ...env } = await data.env(NO_POSTGRES);
  return { ...env, ...extra };
}

/**
 * The PATH with valkey-server (and valkey-cli) masked: each folder that holds it is replaced by
 * a folder of links to everything else in it, so node, sh and the rest are still found.
 */
function pathWithoutValkey(path: string): string {
  const masked = temporaryFolder('path-without-valkey-');
  return path
    .split(delimiter)
    .map((dir, index) => {
      if (!dir || !findExecutable('valkey-server', { PATH: dir })) return dir;
      const copy = join(masked, String(index));
      mkdirSync(copy);
      for (const name of readdirSync(dir)) {
        if (!name.startsWith('valkey-')) symlinkSync(join(dir, name), join(copy, name));
      }
      return copy;
    })
    .join(delimiter);
}

/** INFO server of the URL, as field -> value. */
async function info(url: string): Promise<Record<string, string>> {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    const text = await client.info('server');
    return Object.fromEntries(
      text
        .split('\r\n')
        .filter((line) => line.includes(':'))
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
    );
  } finally {
    client.disconnect();
  }
}

// A lesson that says what answers at its VALKEY_URL (no Postgres, no Upstash).
const CONFIG = pathToFileURL(join(REPO_ROOT, 'packages/config/src/index.ts')).href;
const infoLesson = () =>
  tempRoot({
    'lessons/01-info/package.json': '{ "type": "module" }\n',
    'lessons/01-info/src/main.ts': `
import { createValkeyClient, loadConfig } from '${CONFIG}';
const client = createValkeyClient(loadConfig());
const info = await client.info('server');
client.disconnect();
const field = (name) => info.match(new RegExp('^' + name + ':(.*)\\\\r$', 'm'))?.[1] ?? null;
console.log(JSON.stringify({ valkey: field('valkey_version'), engine: field('kv_server_engine'), pid: Number(field('process_id')) }));
`,
  });

const installed = findExecutable('valkey-server') !== undefined;
// CI installs Valkey: there a missing valkey-server is a failure, not a skip.
const realValkey = installed || process.env.CI ? it : it.skip;

describe.sequential('the local stack and VALKEY_URL', SLOW, () => {
  realValkey(
    'starts its own valkey-server when one is installed, stops it with the stack, and stops one a killed stack left behind',
    async () => {
      const env = await learnerEnv();
      const first = startCli(['stack'], env);
      const output = await first.waitFor(/Press Ctrl-C/);
      expect(output).toMatch(
        /^ {2}Valkey \(Redis protocol\)\s+redis:\/\/127\.0\.0\.1:\d+\s+embedded\s+Valkey \d+\.\d+\.\d+ \(valkey-server, started by the stack\), nothing saved$/m,
      );
      expect(output).toMatch(
        /^ {2}Upstash REST\s+\S+\s+embedded\s+the workshop's kv-server \(engine\)/m,
      );
      expect(output).not.toContain('valkey-server not found');
      const { resp } = tableUrls(output);
      expect(new URL(resp).port).toBe(env.WORKSHOP_RESP_PORT); // the stack's own port
      const server = await info(resp);
      expect(server.valkey_version).toMatch(/^\d+\.\d+\.\d+$/);
      const pid = Number(server.process_id);
      expect(isRunning(pid)).toBe(true);

      // Killed without a chance to clean up: its valkey-server runs on, holding the port.
      first.child.kill('SIGKILL');
      await first.exited;
      expect(isRunning(pid)).toBe(true);
      const second = startCli(['stack'], env);
      const again = await second.waitFor(/Press Ctrl-C/);
      expect(again).toContain(
        `stopping the valkey-server (pid ${pid}) an earlier, killed stack left behind`,
      );
      expect(isRunning(pid)).toBe(false);
      const next = Number((await info(tableUrls(again).resp)).process_id);
      expect(next).not.toBe(pid);
      await data.stopWithCtrlC(second);
      expect(isRunning(next), 'Ctrl-C must stop the valkey-server too').toBe(false);
    },
  );

  realValkey('runs a lesson on its own valkey-server, stopped after the run', async () => {
    const run = await runCli(['lesson', '1'], await learnerEnv({ WORKSHOP_ROOT: infoLesson() }));
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.valkey).toMatch(/^\d+\.\d+\.\d+$/);
    expect(report.engine).toBeNull();
    expect(run.stderr).not.toContain('valkey-server not found');
    expect(isRunning(report.pid)).toBe(false);
  });

  it('falls back to the engine with one line saying so when valkey-server is not on the PATH', async () => {
    const env = await learnerEnv({ PATH: pathWithoutValkey(process.env.PATH ?? '') });
    const stack = startCli(['stack'], env);
    const output = await stack.waitFor(/Press Ctrl-C/);
    expect(output).toMatch(
      /^ {2}Valkey \(Redis protocol\)\s+redis:\/\/127\.0\.0\.1:\d+\s+embedded\s+not Valkey: the workshop's kv-server \(engine\)/m,
    );
    expect(output.split('\n')).toContain(ENGINE_NOTE);
    expect((await info(tableUrls(output).resp)).kv_server_engine).toBe('workshop-kv-server');
    await data.stopWithCtrlC(stack);

    const run = await runCli(['lesson', '1'], { ...env, WORKSHOP_ROOT: infoLesson() });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ valkey: null, engine: 'workshop-kv-server' });
    expect(run.stderr).toContain(ENGINE_NOTE);
  });

  it('keeps the engine when WORKSHOP_VALKEY=engine, and says so', async () => {
    const run = await runCli(
      ['lesson', '1'],
      await learnerEnv({ WORKSHOP_ROOT: infoLesson(), WORKSHOP_VALKEY: 'engine' }),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).engine).toBe('workshop-kv-server');
    expect(run.stderr).toMatch(/WORKSHOP_VALKEY=engine: VALKEY_URL is the workshop's own/);
  });

  it('says in `pnpm run doctor` what would serve VALKEY_URL', async () => {
    const env = await learnerEnv();
    const masked = await runCli(['doctor'], {
      ...env,
      PATH: pathWithoutValkey(process.env.PATH ?? ''),
    });
    expect(masked.stdout).toMatch(
      /^✓ Valkey: no VALKEY_URL, so .* serves the workshop's own Redis-compatible engine on port \d+, not Valkey: valkey-server is not installed/m,
    );
    expect(masked.stdout).toMatch(
      /^! valkey-server .*(is|are) not installed.*brew install valkey/m,
    );
    if (installed) {
      const found = await runCli(['doctor'], env);
      expect(found.stdout).toMatch(
        /^✓ Valkey: no VALKEY_URL, so .* starts valkey-server \d+\.\d+\.\d+ \(\S+valkey-server\) on port \d+$/m,
      );
    }
  });
});
