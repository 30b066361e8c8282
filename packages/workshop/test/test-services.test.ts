// pnpm test:services runs only the vitest projects that use a service: these check that the
// names it passes are the ones vitest gives, that every project is either run or left out on
// purpose, and that a project left out has no test that would behave differently there.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectName } from '@workshop/test-support';
import { describe, expect, it } from 'vitest';
import { SERVICE_FREE_PROJECTS, serviceProjects } from '../src/commands/test-services.ts';
import { findRepoRoot } from '../src/workspace.ts';

const root = findRepoRoot();

/** Every folder the root vitest.config.ts makes a project of, by its vitest name. */
function allProjects(): Map<string, string> {
  const folders = ['site'];
  for (const zone of ['packages', 'lessons']) {
    for (const folder of readdirSync(join(root, zone))) {
      if (readdirSync(join(root, zone, folder)).includes('vitest.config.ts')) {
        folders.push(join(zone, folder));
      }
    }
  }
  return new Map(folders.map((folder) => [projectName(join(root, folder)), folder]));
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
  it('runs every project but the service-free ones, by the names vitest gives them', () => {
    const projects = allProjects();
    const run = serviceProjects(root);
    for (const name of run) expect(projects.has(name), `${name} is no vitest project`).toBe(true);
    for (const name of SERVICE_FREE_PROJECTS) {
      expect(projects.has(name), `${name} (left out) is no vitest project`).toBe(true);
    }
    expect([...run, ...SERVICE_FREE_PROJECTS].sort()).toEqual([...projects.keys()].sort());
    expect(run).toContain('kv-server');
    expect(run).toContain('lesson-05-valkey-swap');
  });

  it('leaves out only projects whose tests use no service', () => {
    const projects = allProjects();
    for (const name of SERVICE_FREE_PROJECTS) {
      const folder = projects.get(name) as string;
      for (const file of testFiles(join(root, folder, 'test'))) {
        if (file === fileURLToPath(import.meta.url)) continue; // names them, to look for them
        const match = readFileSync(file, 'utf8').match(USES_A_SERVICE);
        expect(
          match?.[0],
          `${relative(root, file)} uses a service (${match?.[0]}): take ${name} out of SERVICE_FREE_PROJECTS in packages/workshop/src/commands/test-services.ts`,
        ).toBeUndefined();
      }
    }
  });
});
