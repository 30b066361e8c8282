// `pnpm build` for the site: static pages in dist/, with the Pagefind search index.
import { buildSite } from './site-build.ts';

try {
  const seconds = buildSite();
  console.log(`site built in ${seconds.toFixed(1)} s: site/dist (any static server can serve it)`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
