import { chromium } from 'playwright-core';
import { serveStatic } from './static-server.ts';

const server = await serveStatic(process.argv[2] ?? '');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
for (const spec of process.argv.slice(3)) {
  const [name, p, theme, full] = spec.split(',');
  await page.goto(server.url + p);
  await page.evaluate((t) => {
    localStorage.setItem('starlight-theme', t);
  }, theme);
  await page.reload();
  await page.screenshot({ path: `/tmp/wshot/${name}.png`, fullPage: full === 'full' });
}
await browser.close();
await server.close();
