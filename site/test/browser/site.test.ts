// The built course site in Debian's Chromium, served by a plain static server, offline.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { lessonLabel, lessonsDir, listLessons } from '../../src/course/lessons.ts';
import { STORAGE_KEY } from '../../src/course/progress-client.ts';
import { findSnippetBlocks, resolveSnippet } from '../../src/course/snippets.ts';
import { launchChromium } from './global-setup.ts';

const baseUrl = inject('baseUrl');
const distDir = inject('distDir');

const builtLessons = inject('builtLessons');
const lessons = listLessons(lessonsDir()).filter((lesson) => builtLessons.includes(lesson.name));

/** A lesson page worth checking in depth: it has a previous lesson (so a diff) and snippets. */
const sample = lessons.find(
  (lesson) =>
    lesson.number > 1 && findSnippetBlocks(readFileSync(lesson.readme, 'utf8')).length > 0,
);

let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Console errors, page errors and requests that left the site, over every test. */
const problems: string[] = [];

beforeAll(async () => {
  browser = await launchChromium();
  context = await browser.newContext();
  // The site must work with no network: anything not served by the local server is a defect.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(baseUrl) || url.startsWith('data:')) return route.continue();
    problems.push(`request left the site: ${url}`);
    return route.abort();
  });
});

afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error')
      problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error on ${page.url()}: ${error.message}`));
  return async () => {
    await page.close();
  };
});

async function open(pathname: string): Promise<void> {
  const response = await page.goto(`${baseUrl}${pathname}`);
  expect(response?.status(), `${pathname} should load`).toBe(200);
}

describe('the course site', () => {
  it('home page says what the course is and how to start', async () => {
    await open('/');
    await expect(page.locator('h1').textContent()).resolves.toBe(
      'Key-value stores and caching in TypeScript',
    );
    const text = await page.locator('main').textContent();
    expect(text).toContain('pnpm install');
    expect(text).toContain('pnpm start');
    const lessonLinks = await page.locator('main ol.course-lessons a').count();
    expect(lessonLinks).toBe(lessons.length);
  });

  it('sidebar lists every lesson folder, in order', async () => {
    await open('/');
    const labels = await page
      .locator('nav.sidebar a[href^="/lessons/"]')
      .evaluateAll((links) => links.map((link) => link.textContent?.trim() ?? ''));
    // Every lesson folder with a README, found by @workshop/course, in number order.
    expect(lessons.length).toBeGreaterThanOrEqual(2);
    expect(labels).toEqual(
      lessons.map((lesson) =>
        expect.stringMatching(new RegExp(`^${lessonLabel(lesson.number)}\\. `)),
      ),
    );
  });

  it('a lesson page shows its text, code imported from its files and its diff', async () => {
    if (!sample) expect.fail('no lesson README with snippets and a previous lesson yet');
    await open(`/lessons/${sample.name}/`);
    const readme = readFileSync(sample.readme, 'utf8');

    // The text: every "## " heading of the README is a heading of the page, in order.
    const readmeHeadings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => (m[1] ?? '').trim());
    const pageHeadings = await page
      .locator('.sl-markdown-content h2')
      .evaluateAll((hs) => hs.map((h) => h.textContent?.trim() ?? ''));
    expect(readmeHeadings.length).toBeGreaterThan(0);
    expect(pageHeadings.slice(0, readmeHeadings.length)).toEqual(
      readmeHeadings.map((h) => h.replace(/`/g, '')),
    );

    // An imported block: the page shows the file's current code, titled with the file name.
    const [block] = findSnippetBlocks(readme);
    if (!block) throw new Error('unreachable: sample has snippets');
    const code = resolveSnippet(sample.dir, block.ref, sample.readme);
    const firstLine = code.split('\n').find((line) => line.trim() !== '') ?? '';
    const figure = page.locator('.sl-markdown-content figure', {
      has: page.locator(`.title:text-is("${block.ref.file}")`),
    });
    expect(await figure.count()).toBeGreaterThan(0);
    const shown = await figure.evaluateAll((figures) =>
      figures.map((f) => [...f.querySelectorAll('.ec-line')].map((l) => l.textContent).join('\n')),
    );
    expect(shown.some((text) => text.includes(firstLine.trim()))).toBe(true);

    // The diff against the previous lesson: per-file collapsible blocks with added lines.
    await expect(page.locator('#what-changed-in-this-step').count()).resolves.toBe(1);
    const files = page.locator('.step-diff details.step-diff-file');
    expect(await files.count()).toBeGreaterThan(0);
    expect(await page.locator('.step-diff .ec-line.ins').count()).toBeGreaterThan(0);
    const summary = files.first().locator('summary');
    const wasOpen = await files.first().evaluate((d) => (d as HTMLDetailsElement).open);
    await summary.click();
    expect(await files.first().evaluate((d) => (d as HTMLDetailsElement).open)).toBe(!wasOpen);

    // How to run and check the step.
    const n = sample.number;
    const text = await page.locator('main').textContent();
    expect(text).toContain(`pnpm lesson ${n}`);
    expect(text).toContain(`pnpm check ${n}`);
  });

  it('search finds INCR', async () => {
    await open('/');
    await page.locator('site-search button[data-open-modal]').click();
    await page.locator('#starlight__search input').fill('INCR');
    const results = page.locator('#starlight__search .pagefind-ui__result-link');
    await results.first().waitFor({ timeout: 10_000 });
    const hrefs = await results.evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs.some((href) => href?.startsWith('/lessons/'))).toBe(true);
  });

  it('dark mode toggles and is remembered', async () => {
    await open('/');
    const select = page.locator('starlight-theme-select select').first();
    await select.selectOption('dark');
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('dark');
    await select.selectOption('light');
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('light');
    await page.reload();
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('light');
  });

  it('a checklist tick survives a reload and counts towards progress', async () => {
    const lesson = lessons[0];
    if (!lesson) expect.fail('no lesson README yet');
    await open(`/lessons/${lesson.name}/`);
    const boxes = page.locator('ul.lesson-checklist input[type="checkbox"]');
    const count = await boxes.count();
    expect(count).toBeGreaterThan(0);
    await boxes.first().check();
    await page.reload();
    expect(await boxes.first().isChecked()).toBe(true);
    const progress = page.locator('.course-progress-count');
    await expect(progress.textContent()).resolves.toBe(`0 / ${lessons.length} lessons done`);

    for (let i = 0; i < count; i++) await boxes.nth(i).check();
    await expect(progress.textContent()).resolves.toBe(`1 / ${lessons.length} lessons done`);
    const done = page.locator(`nav.sidebar a[href="/lessons/${lesson.name}/"][data-lesson-done]`);
    expect(await done.count()).toBe(1);

    // Another page shows the same progress; unticking one item makes the lesson not done.
    await open('/');
    await expect(progress.textContent()).resolves.toBe(`1 / ${lessons.length} lessons done`);
    await open(`/lessons/${lesson.name}/`);
    await boxes.first().uncheck();
    await expect(progress.textContent()).resolves.toBe(`0 / ${lessons.length} lessons done`);
  });

  it('forgets progress saved under an older storage version', async () => {
    await open('/');
    const oldKey = STORAGE_KEY.replace(/v\d+$/, 'v0');
    await page.evaluate((key) => localStorage.setItem(key, '{"lessons":{}}'), oldKey);
    await page.reload();
    const keys = await page.evaluate(() => Object.keys(localStorage));
    expect(keys).not.toContain(oldKey);
  });

  it('prev/next links walk the lessons in order', async () => {
    const [firstLesson, secondLesson] = lessons;
    if (!firstLesson || !secondLesson) expect.fail('needs two lessons');
    await open(`/lessons/${firstLesson.name}/`);
    await expect(page.locator('a[rel="next"]').getAttribute('href')).resolves.toBe(
      `/lessons/${secondLesson.name}/`,
    );
  });

  it('serves llms.txt with every lesson', async () => {
    const response = await fetch(`${baseUrl}/llms.txt`);
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const lesson of lessons) {
      expect(text).toContain(`/lessons/${lesson.name}/`);
    }
  });

  it('has no broken internal links and loads nothing from other hosts', async () => {
    const pages = htmlFiles(distDir);
    expect(pages.length).toBeGreaterThan(lessons.length);
    const idsByPath = new Map<string, Set<string>>();
    const idsOf = async (pathname: string): Promise<Set<string> | null> => {
      if (!idsByPath.has(pathname)) {
        const response = await fetch(`${baseUrl}${pathname}`);
        if (response.status !== 200) return null;
        const type = response.headers.get('content-type') ?? '';
        const body = await response.text();
        idsByPath.set(
          pathname,
          new Set(
            type.includes('html')
              ? [...body.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1] ?? '')
              : [],
          ),
        );
      }
      return idsByPath.get(pathname) ?? null;
    };
    const broken: string[] = [];
    for (const file of pages) {
      const from = `/${path.relative(distDir, file).split(path.sep).join('/')}`;
      const html = readFileSync(file, 'utf8');
      for (const [tag, name = '', attributes = ''] of html.matchAll(/<([a-z]+)\s([^>]*)>/g)) {
        for (const [, attribute, value = ''] of attributes.matchAll(
          /(?:^|\s)(href|src)="([^"]*)"/g,
        )) {
          if (/^(https?:)?\/\//.test(value)) {
            // A link to read elsewhere is fine offline; anything the page itself loads is not.
            if (name !== 'a')
              broken.push(`${from}: <${name} ${attribute}> loads from another host: ${value}`);
            continue;
          }
          if (/^(mailto:|data:|javascript:)/.test(value) || value === '') continue;
          const target = new URL(value.replace(/&amp;/g, '&'), `${baseUrl}${from}`);
          const ids = await idsOf(target.pathname);
          if (!ids) broken.push(`${from}: ${value} does not exist (${tag.slice(0, 60)})`);
          else if (
            target.hash &&
            target.hash !== '#_top' &&
            !ids.has(decodeURIComponent(target.hash.slice(1)))
          ) {
            broken.push(`${from}: ${value} points at a missing anchor`);
          }
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('logged no console errors and made no request off the site', () => {
    expect(problems).toEqual([]);
  });
});

function htmlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.html'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}
