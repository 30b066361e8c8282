import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '@workshop/config';
import { projectName as courseProjectName } from '@workshop/course';
import { describe, expect, it } from 'vitest';
import { defineProject, projectName } from '../src/index.ts';

const configUrl = (folder: string) =>
  pathToFileURL(join(REPO_ROOT, folder, 'vitest.config.ts')).href;

describe('defineProject', () => {
  it('names each project after its folder', () => {
    expect(projectName(join(REPO_ROOT, 'packages/db'))).toBe('db');
    expect(projectName(join(REPO_ROOT, 'packages/workshop'))).toBe('workshop');
    expect(projectName(join(REPO_ROOT, 'lessons/03-ttl-caching'))).toBe('lesson-03-ttl-caching');
    expect(projectName(join(REPO_ROOT, 'site'))).toBe('site');
  });

  it('names every project as @workshop/course does (config-entry.js repeats its rule)', () => {
    const folders = ['packages', 'lessons'].flatMap((zone) =>
      readdirSync(join(REPO_ROOT, zone)).map((name) => join(REPO_ROOT, zone, name)),
    );
    folders.push(join(REPO_ROOT, 'site'));
    for (const folder of folders) {
      expect(projectName(folder), folder).toBe(courseProjectName(folder, REPO_ROOT));
    }
  });

  it('gives a node project rooted at its folder, with the template built in a global setup', () => {
    const config = defineProject(configUrl('lessons/03-ttl-caching'));
    expect(config.test?.name).toBe('lesson-03-ttl-caching');
    expect(config.test?.root).toBe(join(REPO_ROOT, 'lessons/03-ttl-caching'));
    expect(config.test?.environment).toBe('node');
    expect(config.test?.include).toEqual(['test/**/*.test.ts']);
    const setup = [config.test?.globalSetup].flat();
    expect(setup).toHaveLength(1);
    expect(existsSync(String(setup[0]))).toBe(true);
  });

  it('merges overrides over the defaults', () => {
    const config = defineProject(configUrl('site'), {
      test: { testTimeout: 60_000, include: ['e2e/*.ts'] },
    });
    expect(config.test?.name).toBe('site');
    expect(config.test?.testTimeout).toBe(60_000);
    expect(config.test?.include).toEqual(['test/**/*.test.ts', 'e2e/*.ts']);
  });
});
