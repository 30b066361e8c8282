// `pnpm lesson <n> --web` runs this in the lesson's folder, with the lesson's services in the
// environment (as for src/main.ts): the wiki on http://localhost:3000, or the next free port.

import { startLessonWeb } from './lesson.ts';

const portArg = process.argv.indexOf('--port');
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 3000;
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port wants a number from 0 to 65535, not "${process.argv[portArg + 1]}".`);
  process.exit(2);
}

try {
  const web = await startLessonWeb(process.cwd(), { port, nextFreePort: portArg < 0 });
  console.log(`The wiki of lesson ${String(web.wiki.lesson).padStart(2, '0')}: ${web.url}`);
  console.log(
    'Open it in a browser; devtools show x-cache and Server-Timing on every page. Ctrl-C stops it.',
  );
  const stop = () => {
    web.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
