import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStack, waitForStopSignal } from '../stack-session.ts';

export const help = `Usage: workshop start   (pnpm start)

The workshop in one command: the local stack (as \`pnpm stack\`) and the course site's dev server
(\`pnpm --filter @workshop/site dev\`). Ctrl-C stops both.`;

function siteHasDevScript(root: string): boolean {
  const file = join(root, 'site', 'package.json');
  if (!existsSync(file)) return false;
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> };
  return Boolean(pkg.scripts?.dev) && existsSync(join(root, 'site', 'astro.config.mjs'));
}

export async function run(args: string[]): Promise<number> {
  if (args.length > 0) {
    console.error(`workshop start takes no arguments (got ${args.join(' ')}).\n\n${help}`);
    return 1;
  }
  const stopped = waitForStopSignal(); // from the start: Ctrl-C during a slow first start too
  const stack = await openStack();
  const { root } = stack.context;

  if (!siteHasDevScript(root)) {
    console.log(
      'The course site is not set up yet (site/ has no dev server): running the local stack alone.',
    );
    console.log('Press Ctrl-C to stop.');
    await stopped;
    await stack.stop();
    return 0;
  }

  console.log(
    '\nStarting the course site (astro dev): it prints its address below, by default http://localhost:4321/',
  );
  console.log('Press Ctrl-C to stop the site and the local stack.\n');
  // Same process group: Ctrl-C in the terminal reaches the site's dev server directly.
  const site = spawn('pnpm', ['--filter', '@workshop/site', 'dev'], {
    cwd: root,
    stdio: 'inherit',
  });
  const siteExit = new Promise<number>((resolvePromise) => {
    site.once('error', (error) => {
      console.error(`Could not start the course site: ${error.message}. Is pnpm on the PATH?`);
      resolvePromise(1);
    });
    site.once('exit', (code) => resolvePromise(code ?? 0));
  });

  const first = await Promise.race([
    stopped.then(() => 'signal' as const),
    siteExit.then(() => 'site' as const),
  ]);
  if (first === 'site') {
    console.error('\nThe course site stopped. The local stack keeps running: Ctrl-C to stop it.');
    await stopped;
  } else {
    site.kill('SIGTERM');
    await Promise.race([siteExit, new Promise((r) => setTimeout(r, 3000))]);
  }
  await stack.stop();
  return 0;
}
