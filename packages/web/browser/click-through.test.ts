// Lesson 04's wiki in Debian's Chromium, clicked through as a learner would: create an article
// with the form, read it (the view counter shows), delete it. Runs in `pnpm test:site`.

import { fileURLToPath } from 'node:url';
import { useTestStack } from '@workshop/test-support';
import { chromiumOptions, requireChromium } from '@workshop/test-support/chromium';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestWeb, type TestWeb } from '../src/testing.ts';

const stack = useTestStack();
const LESSON_04 = fileURLToPath(new URL('../../../lessons/04-counters', import.meta.url));

let browser: Browser;
let site: TestWeb;

beforeAll(async () => {
  requireChromium();
  site = await startTestWeb(LESSON_04, stack.config);
  browser = await chromium.launch(chromiumOptions());
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

it('creates, views and deletes an article through the forms', async () => {
  const page = await browser.newPage();
  const base = `http://localhost:${site.web.port}`;
  const slug = `clicked-${Date.now()}`;

  await page.goto(`${base}/`);
  await page.getByRole('link', { name: 'New article' }).click();
  await page.getByLabel('Slug').fill(slug);
  await page.getByLabel('Author').fill('chromium');
  await page.getByLabel('Title').fill('Clicked through <b>Chromium</b>');
  await page.getByLabel('Body').fill('Written by a browser.');
  await page.getByRole('button', { name: 'Create' }).click();

  await page.waitForURL(`${base}/articles/${slug}`);
  expect(await page.locator('h2').textContent()).toBe('Clicked through <b>Chromium</b>');
  expect(await page.locator('.views').textContent()).toBe('1');
  await page.reload();
  expect(await page.locator('.views').textContent()).toBe('2');
  expect(await page.locator('footer .cache').textContent()).toBe('HIT');

  await page.getByRole('button', { name: 'Delete' }).click();
  await page.waitForURL(`${base}/`);
  expect(await page.content()).not.toContain(slug);
  const gone = await page.goto(`${base}/articles/${slug}`);
  expect(gone?.status()).toBe(404);
});
