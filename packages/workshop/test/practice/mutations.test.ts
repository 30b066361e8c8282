// The mutation runner itself, on a copy of lesson 01 with four recorded "mistakes": one its
// checkpoints catch by name, the same one expected with words no checkpoint says, one they miss
// (a comment), and a patch that no longer applies. Only store.test.ts runs (no services).
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runMutations } from '../../src/practice/mutations.ts';
import { REPO_ROOT } from '../cli.ts';
import { lessonDir } from './sandbox.ts';

const work = mkdtempSync(join(tmpdir(), 'workshop-mutations-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A one-line unified diff of src/store.ts at `line` (1-based), with a header. */
const patch = (header: string[], line: number, from: string, to: string) =>
  [
    ...header,
    '--- a/src/store.ts',
    '+++ b/src/store.ts',
    `@@ -${line},1 +${line},1 @@`,
    `-${from}`,
    `+${to}`,
    '',
  ].join('\n');

describe('practice mutations', () => {
  it('passes a caught mistake, and fails a missed one, a wrong message and a stale patch', async () => {
    const source = lessonDir('01-object-store');
    const dir = join(work, 'lessons', '01-object-store');
    for (const part of ['src', 'test', 'package.json']) {
      cpSync(join(source, part), join(dir, part), { recursive: true });
    }
    // The lesson's config without its global setup, which builds and opens the test databases:
    // store.test.ts needs none, and each mutation's folder is a vitest project that would load it.
    writeFileSync(
      join(dir, 'vitest.config.ts'),
      [
        "import { defineProject } from '@workshop/test-support';",
        'const config = defineProject(import.meta.url);',
        'export default { ...config, test: { ...config.test, globalSetup: [] } };',
        '',
      ].join('\n'),
    );
    symlinkSync(join(source, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const mutations = join(dir, 'exercise', 'mutations');
    mkdirSync(join(dir, 'exercise', 'src'), { recursive: true });
    mkdirSync(mutations, { recursive: true });
    const lines = readFileSync(join(dir, 'src', 'store.ts'), 'utf8').split('\n');
    const check = '    if (entry.expiresAt !== null && now() > entry.expiresAt) {';
    const at = lines.indexOf(check) + 1;
    expect(at, 'the expiry check of lesson 01').toBeGreaterThan(0);
    const tests = '# tests: test/store.test.ts';
    const gte = check.replace('now() >', 'now() >=');
    const write = (name: string, header: string[], line: number, from: string, to: string) =>
      writeFileSync(join(mutations, `${name}.patch`), patch([...header, tests], line, from, to));
    write('caught', ['# >= for >', '# expect: use >, not >='], at, check, gte);
    write('wrong-words', ['# >= for >', '# expect: words no checkpoint says'], at, check, gte);
    write('survives', ['# Only a comment', '# expect: anything'], 1, lines[0] ?? '', '// other');
    write('stale', ['# Not there', '# expect: anything'], 1, '// not the first line', '// x');
    const lesson = {
      number: 1,
      name: '01-object-store',
      dir,
      readme: join(dir, 'README.md'),
      hasReadme: false,
      project: 'lesson-01-object-store',
      title: 'object store',
    };
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const code = await runMutations({
        root: REPO_ROOT,
        lessons: [lesson],
        playground: join(work, 'playground'),
        solutionDir: join(work, 'playground-solution'),
        stateFile: join(work, 'progress.json'),
      });
      const printed = log.mock.calls.map((call) => call.join(' ')).join('\n');
      expect(code, printed).toBe(1);
      expect(printed).toMatch(/01\s+caught\s+caught: 1\/\d+ fail/);
      expect(printed).toMatch(/wrong-words\s+WRONG: caught, but no message names the fault/);
      expect(printed).toMatch(/survives\s+WRONG: survives/);
      expect(printed).toMatch(/stale\s+WRONG: patch: src\/store\.ts: the diff does not apply/);
      expect(printed).toContain('3 of 4 mutation(s) WRONG');
    } finally {
      log.mockRestore();
    }
  }, 120_000);
});
