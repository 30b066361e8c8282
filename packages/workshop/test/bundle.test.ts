// The CLI runs from an esbuild bundle of its sources (bin/bundle.mjs): built on the first run,
// rebuilt whenever an input changed, never run stale.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
    // Every source it was made from is listed: the CLI's own, and the workspace packages it imports.
    expect(built.inputs).toHaveProperty(['workshop/src/main.ts']);
    expect(built.inputs).toHaveProperty(['workshop/src/commands/lesson.ts']);
    expect(built.inputs).toHaveProperty(['config/src/config.ts']);
    expect(built.inputs).toHaveProperty(['config/package.json']);

    const again = await runCli(['lesson', '--help'], env);
    expect(again.code, again.stderr).toBe(0);
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
});
