// `workshop start`: the local stack plus the course site (its `start` script), both stopped by one
// Ctrl-C. The stack here runs the kv-server only (DATABASE_URL points elsewhere, never contacted),
// so no initdb; the "site" is a stand-in start script that records its pid.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dataFolder, isRunning, startCli, stopLeftovers, tempRoot } from './cli.ts';

afterEach(stopLeftovers);

const data = dataFolder();
const realPostgres = { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' };

describe('workshop start', { timeout: 60_000 }, () => {
  it('runs the stack alone, saying so, while the site has no start script', async () => {
    const root = tempRoot({ 'site/package.json': '{ "name": "site", "scripts": {} }\n' });
    const start = startCli(['start'], await data.env({ WORKSHOP_ROOT: root, ...realPostgres }));
    const output = await start.waitFor(/Press Ctrl-C/);
    expect(output).toContain('The course site is not set up yet');
    expect(output).toMatch(/^ {2}Upstash REST\s+http:\/\/127\.0\.0\.1:\d+\s+embedded/m);
    await data.stopWithCtrlC(start);
  });

  it("runs the site's start script beside the stack and stops both on Ctrl-C", async () => {
    const site = [
      "require('node:fs').writeFileSync('site.pid', String(process.pid));",
      "console.log('site server up');",
      'setInterval(() => {}, 1000);',
    ].join(' ');
    const root = tempRoot({
      'site/package.json': JSON.stringify({
        name: 'site',
        scripts: { start: `node -e "${site}"` },
      }),
    });
    const start = startCli(['start'], await data.env({ WORKSHOP_ROOT: root, ...realPostgres }));
    await start.waitFor(/site server up/);
    const sitePid = Number(readFileSync(join(root, 'site', 'site.pid'), 'utf8'));
    expect(isRunning(sitePid)).toBe(true);
    await data.stopWithCtrlC(start);
    await expect.poll(() => isRunning(sitePid), { timeout: 5000 }).toBe(false);
  });
});
