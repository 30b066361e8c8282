// Lesson 05's own checkpoints (lessons 03 and 04's behaviours over iovalkey) against this
// lesson's server, through `pnpm --filter ... suites`. They run in services mode, which needs a
// real Postgres for the wiki: this file runs in `pnpm test:services` and skips in `pnpm test`.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { servicesRequested, useTestStack } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { useRespServer } from './server.ts';

const stack = useTestStack();
const resp = useRespServer(stack, { table: 'redis_suites_check' });
const LESSON = join(dirname(fileURLToPath(import.meta.url)), '..');

describe.skipIf(!servicesRequested())('lesson 05’s checkpoints on this server', () => {
  it('pass: cache, counters, rate limit and the race, through VALKEY_URL', {
    timeout: 300_000,
  }, async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/suites.ts', '--url', resp.server.url],
      {
        cwd: LESSON,
      },
    );
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const status = await new Promise((resolve) => child.on('close', resolve));
    expect(output, 'lesson 05’s suites must all pass against the server').toMatch(
      /\b[1-9]\d* passed, 0 failed/,
    );
    expect(status, output).toBe(0);
  });
});
