import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { openStack, waitForStopSignal } from '../stack-session.ts';

export const help = `Usage: workshop start   (pnpm start)

The workshop in one command: the local stack (as \`pnpm stack\`) and the course site (the
\`start\` script of site/: built once, then served from site/dist with search working).
Ctrl-C stops both. Editing the course text? \`pnpm --filter @workshop/site dev\` reloads live.`;

/** The site's `start` script (build if stale, then serve), if it has one. */
function siteStartScript(root: string): string | undefined {
  const file = join(root, 'site', 'package.json');
  if (!existsSync(file)) return undefined;
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> };
  return pkg.scripts?.start;
}

export async function run(args: string[]): Promise<number> {
  parseCommandArgs(args, { command: 'workshop start', help });
  const stopped = waitForStopSignal(); // from the start: Ctrl-C during a slow first start too
  const stack = await openStack();
  const { root } = stack.context;

  const siteScript = siteStartScript(root);
  if (!siteScript) {
    console.log(
      'The course site is not set up yet (site/ has no start script): running the local stack alone.',
    );
    console.log('Press Ctrl-C to stop.');
    await stopped;
    await stack.stop();
    return 0;
  }

  console.log(
    '\nStarting the course site: the first time it is built (about a minute), then it prints its address (by default http://localhost:4321/).',
  );
  console.log('Press Ctrl-C to stop the site and the local stack.\n');
  // The site's `start` script, run as `pnpm run` would (its bins on the PATH, through the
  // system's shell: sh, or cmd.exe on Windows). On macOS and Linux in a process group of its own:
  // we stop it after the terminal's Ctrl-C reached us, so nothing reports the interrupted server
  // as a failure. Windows has no process groups to signal (and a detached child gets a console
  // window of its own): there Ctrl-C reaches every program of the console, and taskkill /T stops
  // the site's whole tree otherwise.
  const siteDir = join(root, 'site');
  const bins = [join(siteDir, 'node_modules', '.bin'), join(root, 'node_modules', '.bin')];
  const windows = process.platform === 'win32';
  // Windows spells it Path: a second PATH key beside it would leave which one wins to chance.
  const pathKey = Object.keys(process.env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
  const site = spawn(siteScript, {
    cwd: siteDir,
    env: { ...process.env, [pathKey]: [...bins, process.env[pathKey]].join(delimiter) },
    stdio: 'inherit',
    shell: true,
    detached: !windows,
  });
  const stopSite = () => {
    if (site.pid === undefined) return; // it never started
    if (windows) {
      spawnSync('taskkill', ['/pid', String(site.pid), '/T', '/F'], { stdio: 'ignore' });
      return;
    }
    try {
      process.kill(-site.pid, 'SIGTERM');
    } catch {} // already gone
  };
  process.once('exit', stopSite); // never leave the dev server behind
  const siteExit = new Promise<number>((resolvePromise) => {
    site.once('error', (error) => {
      console.error(`Could not start the course site: ${error.message}.`);
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
    stopSite();
    await Promise.race([siteExit, new Promise((r) => setTimeout(r, 3000))]);
  }
  await stack.stop();
  return 0;
}
