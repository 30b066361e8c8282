// Preloaded (`node --import`) into a lesson's process by `workshop lesson`: holds the lesson's
// start until its services are up and their addresses arrive over IPC, so node, tsx and the
// lesson's dependencies load while the services start instead of after.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

if (process.send) {
  const addresses = new Promise<Record<string, string>>((resolvePromise) =>
    process.once('message', (message) => resolvePromise(message as Record<string, string>)),
  );
  // Warm the module cache with the lesson's declared dependencies (libraries: no side effects
  // beyond loading). One that does not resolve this way is simply loaded later, as usual.
  const require = createRequire(join(process.cwd(), 'package.json'));
  const dependencies = (process.env.WORKSHOP_LESSON_PRELOAD ?? '').split(',').filter(Boolean);
  const preload = Promise.allSettled(
    dependencies.map((name) => import(pathToFileURL(require.resolve(name)).href)),
  );
  Object.assign(process.env, await addresses);
  delete process.env.WORKSHOP_LESSON_PRELOAD;
  process.disconnect(); // an open IPC channel would keep the lesson's process alive
  await preload;
}
