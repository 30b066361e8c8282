// The sandbox every practice-mode test runs in: the playground, its backups, the solution
// folder and the progress file all live under a temp dir (WORKSHOP_PLAYGROUND_DIR,
// WORKSHOP_DATA_DIR), removed after the test file; the lessons are the repo's own.
import { join } from 'node:path';
import { cleanEnv, REPO_ROOT, runCli, temporaryFolder } from '../cli.ts';

export const LESSONS = join(REPO_ROOT, 'lessons');
export const lessonDir = (name: string) => join(LESSONS, name);
export const withoutRegions = (text: string) =>
  text.replace(/^[ \t]*\/\/ #(end)?region\b.*\n/gm, '');

/** A temp folder with a playground location and a data folder of its own. */
export function sandbox() {
  const dir = temporaryFolder('workshop-practice-');
  const playground = join(dir, 'playground');
  const env = cleanEnv({
    WORKSHOP_PLAYGROUND_DIR: playground,
    WORKSHOP_DATA_DIR: join(dir, 'data'),
    NO_COLOR: '1',
  });
  return {
    dir,
    playground,
    env,
    practice: (...args: string[]) => runCli(['practice', ...args], env),
    progressFile: join(dir, 'data', 'progress.json'),
  };
}
