// pnpm test:services runs only the folders whose tests use a service: these check that every
// folder the root vitest.config.ts takes tests from is either run or left out on purpose, and that
// a folder left out has no test that would behave differently there.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_TEST_FILES } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { SERVICE_FREE_FOLDERS, serviceFolders } from '../src/commands/test-services.ts';
import { findRepoRoot } from '../src/workspace.ts';

const root = findRepoRoot();

/** Every folder the root vitest.config.ts takes tests from (its REPO_TEST_FILES globs). */
function allFolders(): string[] {
  const folders: string[] = [];
  for (const glob of REPO_TEST_FILES) {
    const [zone, star] = glob.split('/');
    if (star !== '*') {
      folders.push(zone as string);
      continue;
    }
    for (const folder of readdirSync(join(root, zone as string))) {
      if (readdirSync(join(root, zone as string, folder)).includes('test')) {
        folders.push(`${zone}/${folder}`);
      }
    }
  }
  return folders.sort();
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|js|mjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

// What a test uses to reach a service, or to behave differently when the services are real.
const USES_A_SERVICE =
  /useTestStack|servicesRequested|serviceUrls|describeDifferential|WORKSHOP_TEST_SERVICES|TEST_(DATABASE|REDIS|VALKEY)_URL/;

describe('pnpm test:services', () => {
  it('runs every folder with tests but the service-free ones', () => {
    const folders = allFolders();
    const run = serviceFolders(root);
    for (const folder of SERVICE_FREE_FOLDERS) {
      expect(folders, `${folder} (left out) has no tests the root config runs`).toContain(folder);
    }
    expect([...run, ...SERVICE_FREE_FOLDERS].sort()).toEqual(folders);
    expect(run).toContain('packages/kv-server');
    expect(run).toContain('lessons/05-valkey-swap');
  });

  it('leaves out only folders whose tests use no service', () => {
    for (const folder of SERVICE_FREE_FOLDERS) {
      for (const file of testFiles(join(root, folder, 'test'))) {
        if (file === fileURLToPath(import.meta.url)) continue; // names them, to look for them
        const match = readFileSync(file, 'utf8').match(USES_A_SERVICE);
        expect(
          match?.[0],
          `${relative(root, file)} uses a service (${match?.[0]}): take ${folder} out of SERVICE_FREE_FOLDERS in packages/workshop/src/commands/test-services.ts`,
        ).toBeUndefined();
      }
    }
  });
});
