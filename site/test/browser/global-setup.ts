// Builds the site once (unless dist/ is newer than every input), serves dist/ on a free port,
// and checks that Debian's Chromium is there. Nothing here downloads a browser.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { buildSite, distDir, distIsCurrent } from '../../scripts/site-build.ts';
import { serveStatic } from '../../scripts/static-server.ts';
import { lessonsDir, listLessons } from '../../src/course/lessons.ts';

// Debian's package; elsewhere (a GitHub runner's Chrome, say) set CHROMIUM_PATH.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless Chromium as the browser suites run it: no sandbox (containers), no traffic of its own. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...extraArgs,
    ],
  });
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
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. Install Debian's package: apt-get install -y chromium`,
    );
  }
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
