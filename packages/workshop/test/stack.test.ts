// `workshop stack` with the real embedded services, in a data folder of its own and on free
// ports. The tests share that folder and run in order: the first one pays for initdb, the rest
// start warm (as a learner's second start does).
import { once } from 'node:events';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createUpstashClient, localStackToken } from '@workshop/config';
import { createArticle, createPool, getArticle } from '@workshop/db';
import { afterEach, describe, expect, it } from 'vitest';
import { pnpmCommand } from '../src/child-process.ts';
import {
  dataFolder,
  interrupt,
  runCli,
  startCli,
  startCommand,
  stopLeftovers,
  tableUrls,
  temporaryFolder,
} from './cli.ts';

// Real processes on a shared 2-core machine: generous bounds, so a busy moment is not a failure.
const SLOW = { timeout: 90_000 };

afterEach(stopLeftovers);

const { lockFile, env: stackEnv, stopWithCtrlC } = dataFolder();

describe.sequential('workshop stack', SLOW, () => {
  // One data folder through a learner's life: the first start, a Ctrl-C, a restart, a SIGKILL and
  // the start after it (each start costs seconds of CPU: one test, not one start per test).
  it('initialises on the first start, prints the table, stops on Ctrl-C leaving nothing behind, keeps articles and keys across a restart, and starts again after being killed (SIGKILL) with the committed articles', async () => {
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
    const pool = createPool({ databaseUrl: urls.postgres, databaseSource: 'embedded' });
    await createArticle(pool, { slug, title: 'Survives', body: 'a restart', author: 'test' });
    await pool.end();
    const kv = (url: string) =>
      createUpstashClient({ upstash: { url, token: localStackToken(), source: 'local' } });
    await kv(urls.rest).set('survives', 'a restart too');
    await stopWithCtrlC(first);

    // The restart, then killed: the article committed while it ran must be there after.
    const second = startCli(['stack'], env);
    const again = await second.waitFor(/Press Ctrl-C/);
    expect(again).not.toMatch(/First start/);
    const reopened = createPool({
      databaseUrl: tableUrls(again).postgres,
      databaseSource: 'embedded',
    });
    expect((await getArticle(reopened, slug))?.title).toBe('Survives');
    expect(await kv(tableUrls(again).rest).get('survives')).toBe('a restart too');
    const killedSlug = `killed-${Date.now()}`;
    await createArticle(reopened, {
      slug: killedSlug,
      title: 'Committed',
      body: 'before the kill',
      author: 'test',
    });
    await reopened.end();
    second.child.kill('SIGKILL');
    expect(await second.exited).toBe('SIGKILL');
    expect(existsSync(lockFile)).toBe(true); // left behind, names a dead process

    const next = startCli(['stack'], env);
    const afterKill = createPool({
      databaseUrl: tableUrls(await next.waitFor(/Press Ctrl-C/)).postgres,
      databaseSource: 'embedded',
    });
    expect((await getArticle(afterKill, killedSlug))?.title).toBe('Committed');
    expect((await getArticle(afterKill, slug))?.title).toBe('Survives');
    await afterKill.end();
    await stopWithCtrlC(next);
  });

  it.skipIf(process.platform === 'win32')(
    'takes two SIGINTs a moment apart as one Ctrl-C, and stops cleanly',
    async () => {
      const stack = startCli(['stack'], await stackEnv());
      await stack.waitFor(/Press Ctrl-C/, 60_000);
      // What a terminal and pnpm together deliver: the same Ctrl-C twice, milliseconds apart.
      stack.child.kill('SIGINT');
      setTimeout(() => stack.child.kill('SIGINT'), 5);
      expect(await stack.exited, stack.output()).toBe(0);
      expect(stack.output()).not.toMatch(/Forced stop/);
      expect(existsSync(lockFile), 'the stack did not finish stopping').toBe(false);
    },
  );

  // A terminal's Ctrl-C goes to the whole foreground process group: pnpm, the shell it runs the
  // script in, and the CLI. Debian's and Ubuntu's sh (dash) dies of it at once, and pnpm then
  // printed "Command failed" under a clean stop; the root scripts `exec` the CLI, so the shell
  // is gone before Ctrl-C and pnpm waits for the CLI's own exit code.
  it.skipIf(process.platform === 'win32')(
    'stops on Ctrl-C through `pnpm stack` without pnpm calling it a failure',
    async () => {
      const env = await stackEnv();
      const [command, args] = pnpmCommand(['stack']);
      const pnpm = startCommand(command, args, env, { inGroup: true });
      await pnpm.waitFor(/Press Ctrl-C/, 60_000);
      interrupt(pnpm.child); // to the whole group, as a terminal's Ctrl-C
      expect(await pnpm.exited, pnpm.output()).toBe(0);
      expect(pnpm.output()).toMatch(/Stopping the local stack/);
      expect(pnpm.output(), 'pnpm reported a failure after a clean stop').not.toMatch(/failed/i);
      expect(existsSync(lockFile), 'the stack did not finish stopping').toBe(false);
    },
  );

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
          `^Port ${port} \\(local Upstash REST\\) is already in use: .*\`pnpm run doctor\`.*UPSTASH_REDIS_REST_URL`,
        ),
      );
      expect(existsSync(lockFile)).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('reports a snapshot it cannot read in its own words, without a stack trace', async () => {
    const otherData = temporaryFolder('workshop-data-');
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
    const database = 'postgres://postgres@127.0.0.1:1/postgres'; // not started, not contacted
    const stack = startCli(
      ['stack'],
      await stackEnv({ VALKEY_URL: valkey, DATABASE_URL: database }),
    );
    const output = await stack.waitFor(/Press Ctrl-C/);
    expect(output).toMatch(
      /^ {2}Valkey \(Redis protocol\)\s+redis:\/\/127\.0\.0\.1:1\s+real\s+from VALKEY_URL$/m,
    );
    expect(output).toMatch(
      /^ {2}Postgres\s+postgres:\/\/postgres@127\.0\.0\.1:1\/postgres\s+real\s+from DATABASE_URL$/m,
    );
    expect(output).toMatch(/^ {2}Upstash REST\s+\S+\s+embedded/m);
    await stopWithCtrlC(stack);
  });
});
