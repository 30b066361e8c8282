// Builds the site once (unless dist/ is newer than every input), serves dist/ on a free port,
// and checks that Debian's Chromium is there. Nothing here downloads a browser.
import { chromiumOptions, requireChromium } from '@workshop/test-support/chromium';
import { type Browser, chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { buildSite, distDir, distIsCurrent } from '../../scripts/site-build.ts';
import { serveStatic } from '../../scripts/static-server.ts';
import { lessonsDir, listLessons } from '../../src/course/lessons.ts';

/** Headless Chromium as the browser suites run it (see @workshop/test-support/chromium). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch(chromiumOptions(extraArgs));
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    distDir: string;
    /** The lessons (folder names) with a README when the site was built. */
    builtLessons: string[];
  }
}

export default async function setup(project: TestProject) {
  requireChromium();
  // Taken before building: lessons are still being written while the tests run.
  const builtLessons = listLessons(lessonsDir())
    .filter((lesson) => lesson.hasReadme)
    .map((lesson) => lesson.name);
  if (process.env.SITE_TEST_REBUILD === '1' || !distIsCurrent()) {
    console.log(`site built in ${buildSite().toFixed(1)} s`);
  }
  const server = await serveStatic(distDir);
  project.provide('baseUrl', server.url);
  project.provide('distDir', distDir);
  project.provide('builtLessons', builtLessons);
  return () => server.close();
}
