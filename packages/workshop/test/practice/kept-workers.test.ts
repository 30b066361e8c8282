// practice watch's vitest keeps its worker processes between runs (src/practice/kept-forks.mjs):
// each save no longer pays for starting them. What that must not change: every run evaluates the
// folder's own modules afresh, so a save is seen; a worker that died is replaced; and closing the
// vitest leaves no worker behind. A folder of three test files that report which process ran
// them and what they imported, run through the same server practice watch uses.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startVitestServer } from '../../src/vitest-run.ts';
import { isRunning, REPO_ROOT, temporaryFolder, writeFiles } from '../cli.ts';

const FILES = ['a', 'b', 'c'];

/** What each test file saw: the process it ran in and the value module as it was evaluated. */
interface Report {
  pid: number;
  value: string;
  evaluations: number;
}

function fixture() {
  const dir = temporaryFolder('workshop-kept-workers-');
  const files: Record<string, string> = {
    // No imports: the folder is outside the repo, where `vitest` does not resolve. A generous
    // timeout: filling 640 MB took 8.5 s on a loaded machine.
    'vitest.config.mjs': [
      'export default { test: {',
      "  include: ['test/*.test.ts'], isolate: false, globals: true, testTimeout: 60_000,",
      '} };',
      '',
    ].join('\n'),
    'src/value.ts': valueModule('one'),
  };
  for (const name of FILES) {
    files[`test/${name}.test.ts`] = [
      "import { existsSync, writeFileSync } from 'node:fs';",
      "import { evaluations, value } from '../src/value.ts';",
      "it('reports', () => {",
      // A worker that dies mid-run, as one would on a crash or an out-of-memory kill.
      `  if ('${name}' === 'a' && existsSync(new URL('../crash', import.meta.url))) {`,
      "    process.kill(process.pid, 'SIGKILL');",
      '  }',
      // Memory held on to past the end of the run: 80 arrays of a million numbers, 640 MB.
      `  if ('${name}' === 'a' && existsSync(new URL('../hog', import.meta.url))) {`,
      '    (globalThis as { hog?: number[][] }).hog = Array.from({ length: 80 }, () =>',
      '      new Array(1e6).fill(0.5));',
      '  }',
      `  writeFileSync(new URL('../out/${name}.json', import.meta.url),`,
      '    JSON.stringify({ pid: process.pid, value, evaluations }));',
      '});',
      '',
    ].join('\n');
  }
  writeFiles(dir, files);
  mkdirSync(join(dir, 'out'));
  return dir;
}

/** Counts, in the process, how many times it was evaluated: once per run it is imported in. */
function valueModule(value: string) {
  return [
    'const counter = globalThis as { evaluations?: number };',
    'counter.evaluations = (counter.evaluations ?? 0) + 1;',
    'export const evaluations = counter.evaluations;',
    `export const value = '${value}';`,
    '',
  ].join('\n');
}

const servers: { close(): Promise<void> }[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

describe('practice watch keeps its test workers between runs', () => {
  it('reuses the processes, evaluates the folder afresh each run, replaces a dead or bloated one, and stops them on close', async () => {
    const dir = fixture();
    let output = '';
    const server = startVitestServer(REPO_ROOT, dir, join(dir, 'vitest.config.mjs'), {
      onOutput: (text) => {
        output += text;
      },
    });
    servers.push(server);
    const allFiles = ['src/value.ts', ...FILES.map((name) => `test/${name}.test.ts`)].map((file) =>
      join(dir, file),
    );
    const run = async () => {
      rmSync(join(dir, 'out'), { recursive: true, force: true });
      mkdirSync(join(dir, 'out'));
      const code = await server.run(allFiles);
      const reports = FILES.filter((name) => existsSync(join(dir, 'out', `${name}.json`))).map(
        (name) => JSON.parse(readFileSync(join(dir, 'out', `${name}.json`), 'utf8')) as Report,
      );
      return { code, reports, pids: new Set(reports.map((report) => report.pid)) };
    };

    const first = await run();
    expect(first.code, output).toBe(0);
    expect(first.reports).toHaveLength(3);

    const second = await run();
    expect(second.code, output).toBe(0);
    expect(
      [...second.pids].every((pid) => first.pids.has(pid)),
      'the second run must use the first run’s worker processes, not start new ones',
    ).toBe(true);
    for (const report of second.reports) {
      expect(
        report.evaluations,
        'a kept worker must evaluate the folder’s own modules again on every run',
      ).toBeGreaterThanOrEqual(2);
    }

    // A save: the next run sees the new code, in the same processes.
    writeFileSync(join(dir, 'src/value.ts'), valueModule('two'));
    const saved = await run();
    expect(saved.code, output).toBe(0);
    expect(
      saved.reports.map((report) => report.value),
      'a run after a save must see the saved code',
    ).toEqual(['two', 'two', 'two']);
    expect([...saved.pids].every((pid) => first.pids.has(pid))).toBe(true);

    // A worker dies mid-run: that run fails, and the next one starts a new process for it.
    writeFileSync(join(dir, 'crash'), '');
    const crashed = await run();
    expect(crashed.code).toBe(1);
    rmSync(join(dir, 'crash'));
    const after = await run();
    expect(after.code, output).toBe(0);
    expect(after.reports).toHaveLength(3);
    const killed = [...first.pids].filter((pid) => !isRunning(pid));
    expect(killed, 'the worker that killed itself is gone').toHaveLength(1);
    const replacements = [...after.pids].filter((pid) => !first.pids.has(pid));
    expect(replacements.length, 'a new process takes the dead one’s place').toBeGreaterThan(0);
    for (const pid of after.pids) expect(isRunning(pid)).toBe(true);

    // A worker left holding 640 MB is not kept: the next run gets a new process for it.
    writeFileSync(join(dir, 'hog'), '');
    const hogged = await run();
    expect(hogged.code, output).toBe(0);
    rmSync(join(dir, 'hog'));
    const hog = hogged.reports[0]?.pid as number;
    const relieved = await run();
    expect(relieved.code, output).toBe(0);
    expect(relieved.pids.has(hog), 'the worker that kept 640 MB is not used again').toBe(false);
    await expect.poll(() => isRunning(hog), { timeout: 10_000 }).toBe(false);

    await server.close();
    await expect
      .poll(() => [...relieved.pids, ...after.pids, ...first.pids].filter(isRunning), {
        timeout: 10_000,
      })
      .toEqual([]);
  }, 120_000);
});
