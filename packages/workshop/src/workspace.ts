// Where things are: the repo root, the local data folder, the lessons.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repo root: WORKSHOP_ROOT when set (tests point it at a temp folder), else the nearest
 * folder above the current one holding pnpm-workspace.yaml, else the repo this CLI lives in
 * (so `workshop` works from any folder).
 */
export function findRepoRoot(env: NodeJS.ProcessEnv = process.env, from = process.cwd()): string {
  if (env.WORKSHOP_ROOT) return resolve(env.WORKSHOP_ROOT);
  for (const start of [from, dirname(fileURLToPath(import.meta.url))]) {
    let dir = resolve(start);
    for (;;) {
      if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error('Cannot find the workshop repo (no pnpm-workspace.yaml above this folder).');
}

/** Local state of the workshop (embedded Postgres data, kv snapshot, the stack's lock file). */
export function dataDir(root: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.WORKSHOP_DATA_DIR ? resolve(env.WORKSHOP_DATA_DIR) : join(root, '.data');
}

export interface Lesson {
  number: number;
  /** Folder name, e.g. `03-ttl-caching`. */
  name: string;
  dir: string;
  /** The vitest project of its checkpoint tests, e.g. `lesson-03-ttl-caching`. */
  project: string;
  title: string;
}

export function listLessons(root: string): Lesson[] {
  const lessonsDir = join(root, 'lessons');
  if (!existsSync(lessonsDir)) return [];
  return readdirSync(lessonsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d{2}-/.test(entry.name))
    .map((entry) => {
      const dir = join(lessonsDir, entry.name);
      return {
        number: Number(entry.name.slice(0, 2)),
        name: entry.name,
        dir,
        project: `lesson-${entry.name}`,
        title: readTitle(dir) ?? entry.name.slice(3).replaceAll('-', ' '),
      };
    })
    .sort((a, b) => a.number - b.number);
}

/** Accepts `3`, `03`, `03-ttl-caching` or `ttl-caching`. */
export function findLesson(lessons: Lesson[], query: string): Lesson | undefined {
  const q = query.replace(/^lessons\//, '').replace(/\/$/, '');
  if (/^\d+$/.test(q)) return lessons.find((lesson) => lesson.number === Number(q));
  return lessons.find((lesson) => lesson.name === q || lesson.name.slice(3) === q);
}

export function lessonList(lessons: Lesson[]): string {
  if (lessons.length === 0) return '  (no lessons found under lessons/)';
  return lessons.map((lesson) => `  ${lesson.name.padEnd(24)} ${lesson.title}`).join('\n');
}

/** The `title` from the README's frontmatter, if there is one. */
function readTitle(dir: string): string | undefined {
  const readme = join(dir, 'README.md');
  if (!existsSync(readme)) return undefined;
  const frontmatter = /^---\r?\n([\s\S]*?)\r?\n---/.exec(readFileSync(readme, 'utf8'));
  const title = frontmatter?.[1]?.match(/^title:\s*(.+)$/m)?.[1]?.trim();
  return title?.replace(/^(['"])(.*)\1$/, '$2');
}
