// The course site as learners use it: built once (again only when a lesson or the site changed),
// then served from dist/ with search working, no network needed.
//
//   pnpm --filter @workshop/site start          # http://localhost:4321/
//   PORT=4400 pnpm --filter @workshop/site start
import { buildSite, distDir, distIsCurrent } from './site-build.ts';
import { assertPortFree, serveStatic } from './static-server.ts';

const DEFAULT_PORT = 4321;

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT=${process.env.PORT} is not a port number: use e.g. PORT=4400.`);
  }
  await assertPortFree(port);
  if (distIsCurrent()) {
    console.log('The course site is up to date (site/dist).');
  } else {
    console.log('Building the course site (once; again only after lesson or site changes)...');
    console.log(`Built in ${buildSite().toFixed(1)} s.`);
  }
  const server = await serveStatic(distDir, { port, host: 'localhost' });
  console.log(`The course site: ${server.url}/`);
  const stop = () => {
    server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
