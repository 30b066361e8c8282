// The CLI runs from an esbuild bundle of its sources (bin/bundle.mjs): built on the first run,
// rebuilt whenever an input changed, never run stale, never half-written, and when it cannot be
// built the CLI still runs, from its sources through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli, temporaryFolder } from './cli.ts';

interface Manifest {
  dir: string;
  inputs: Record<string, string>;
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

describe('the CLI bundle', () => {
  it('is built on the first run, reused while its inputs are unchanged, rebuilt after an edit', async () => {
    const dir = temporaryFolder('workshop-bundle-');
    const env = cleanEnv({ WORKSHOP_CLI_BUNDLE_DIR: dir });

    const first = await runCli(['--help'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Usage: workshop <command>');
    const built = readManifest(dir);
    expect(
      existsSync(join(dir, built.dir, 'main.js')),
      'the bundle is where its manifest says',
    ).toBe(true);
    // Every source it was made from is listed: the CLI's own, and the workspace packages it
    // imports; and the install, since other packages are imported from where it put them.
    expect(built.inputs).toHaveProperty(['workshop/src/main.ts']);
    expect(built.inputs).toHaveProperty(['workshop/src/commands/lesson.ts']);
    expect(built.inputs).toHaveProperty(['config/src/config.ts']);
    expect(built.inputs).toHaveProperty(['config/package.json']);
    expect(built.inputs).toHaveProperty(['../node_modules/.modules.yaml']);

    const again = await runCli(['lesson', '--help'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Usage: workshop lesson <n>');
    expect(readManifest(dir).dir, 'unchanged inputs: the same bundle').toBe(built.dir);

    // A source file that no longer matches its fingerprint (as after a save) forces a rebuild.
    const edited = { ...built, inputs: { ...built.inputs, 'workshop/src/main.ts': '0:0' } };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(edited));
    const afterEdit = await runCli(['--help'], env);
    expect(afterEdit.code, afterEdit.stderr).toBe(0);
    const rebuilt = readManifest(dir);
    expect(rebuilt.dir, 'an edited input: a new bundle').not.toBe(built.dir);
    expect(rebuilt.inputs['workshop/src/main.ts']).toBe(built.inputs['workshop/src/main.ts']);
  });

  it('is built safely by several CLI processes starting at once with no bundle yet', async () => {
    const dir = temporaryFolder('workshop-bundle-race-');
    const env = cleanEnv({ WORKSHOP_CLI_BUNDLE_DIR: dir });

    // Each finds no bundle: one builds it, the others wait for it; none may fail or load
    // another's half-written files.
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => runCli(i % 2 ? ['check', '--help'] : ['--help'], env)),
    );
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/Usage: workshop (<command>|check)/);
    }
    // The manifest is whole and names a complete bundle; no temporary manifest is left behind.
    const manifest = readManifest(dir);
    expect(existsSync(join(dir, manifest.dir, 'main.js'))).toBe(true);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const bundles = readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory());
    expect(bundles, 'one process built it, the others waited for it').toEqual([manifest.dir]);
    expect(existsSync(join(dir, 'build.lock')), 'the build lock is released').toBe(false);

    // And the next run uses that bundle as it is.
    const next = await runCli(['lesson', '--help'], env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('Usage: workshop lesson <n>');
    expect(readManifest(dir).dir).toBe(manifest.dir);
  }, 60_000);

  it('takes over the build lock of a process that died while building', async () => {
    const dir = temporaryFolder('workshop-bundle-dead-');
    mkdirSync(dir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(dir, 'build.lock'), String(dead));
    const run = await runCli(['--help'], cleanEnv({ WORKSHOP_CLI_BUNDLE_DIR: dir }));
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(dir, readManifest(dir).dir, 'main.js'))).toBe(true);
    expect(existsSync(join(dir, 'build.lock'))).toBe(false);
  });

  it('falls back to the sources through tsx when it cannot be built', async () => {
    // A file where the bundle folder should be: nothing can be written there.
    const parent = temporaryFolder('workshop-bundle-blocked-');
    const blocked = join(parent, 'dist');
    writeFileSync(blocked, 'not a folder');
    const run = await runCli(['lesson', '--help'], cleanEnv({ WORKSHOP_CLI_BUNDLE_DIR: blocked }));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Usage: workshop lesson <n>');
    expect(readFileSync(blocked, 'utf8')).toBe('not a folder');
  });
});
