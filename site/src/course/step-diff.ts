// "What changed in this step": the files of lesson N compared with lesson N-1's, at build time.
// Only what a learner would type is shown; the rules below filter out the rest.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { structuredPatch } from 'diff';

/** Folders never compared: installs, local state, build output, and the practice material. */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'coverage', 'exercise', 'hints']);
/** Files never compared: the lesson text itself (the page already shows it) and lockfiles. */
const SKIPPED_FILES = new Set([
  'README.md',
  'pnpm-lock.yaml',
  'package-lock.json',
  'yarn.lock',
  'bun.lockb',
]);
/** Pictures are shown in the text, not as a diff of their source. */
const SKIPPED_EXTENSIONS = new Set(['.svg', '.png', '.jpg', '.jpeg', '.gif', '.webp', '.ico']);

/** Whether a path (relative to the lesson folder, `/`-separated) is left out of the diff. */
export function isExcludedFromDiff(relativePath: string): boolean {
  const parts = relativePath.split('/');
  const fileName = parts.at(-1) ?? '';
  const folders = parts.slice(0, -1);
  // Dot-folders hold local state (.data, .turbo, .astro), never lesson code.
  if (folders.some((folder) => SKIPPED_FOLDERS.has(folder) || folder.startsWith('.'))) return true;
  if (SKIPPED_FILES.has(fileName)) return true;
  if (fileName.endsWith('.tsbuildinfo')) return true;
  return SKIPPED_EXTENSIONS.has(path.extname(fileName).toLowerCase());
}

/** The files of a lesson folder that take part in the diff, as sorted `/`-separated paths. */
export function listLessonFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!isExcludedFromDiff(`${child}/x`)) walk(child);
      } else if (entry.isFile() && !isExcludedFromDiff(child)) {
        found.push(child);
      }
    }
  };
  walk('');
  return found.sort();
}

/** True when two package.json texts differ only in their `name` (every lesson has its own). */
export function onlyPackageNameDiffers(before: string, after: string): boolean {
  try {
    const a = JSON.parse(before) as Record<string, unknown>;
    const b = JSON.parse(after) as Record<string, unknown>;
    delete a.name;
    delete b.name;
    return stableJson(a) === stableJson(b);
  } catch {
    return false;
  }
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface DiffLine {
  kind: 'context' | 'added' | 'removed';
  text: string;
}

export interface DiffHunk {
  /** First line of the hunk in the new file (1-based; in the old file for a removed file). */
  start: number;
  lines: DiffLine[];
}

export interface FileChange {
  path: string;
  status: 'added' | 'removed' | 'modified';
  added: number;
  removed: number;
  hunks: DiffHunk[];
}

function readText(file: string): string | null {
  const buffer = readFileSync(file);
  // A NUL byte means a binary file: nothing to show as text.
  return buffer.includes(0) ? null : buffer.toString('utf8').replace(/\r\n?/g, '\n');
}

function hunksOf(before: string, after: string): DiffHunk[] {
  const patch = structuredPatch('a', 'b', before, after, '', '', { context: 3 });
  return patch.hunks.map((hunk) => ({
    start: hunk.newLines === 0 ? hunk.oldStart : hunk.newStart,
    lines: hunk.lines
      // "\ No newline at end of file" is not a line of the file.
      .filter((line) => !line.startsWith('\\'))
      .map((line) => ({
        kind: line[0] === '+' ? 'added' : line[0] === '-' ? 'removed' : 'context',
        text: line.slice(1),
      })),
  }));
}

/**
 * The changes from `previousDir` to `dir` (every file is "added" when there is no previous
 * lesson), filtered by the rules above, in path order.
 */
export function diffLessonFolders(previousDir: string | null, dir: string): FileChange[] {
  const before = previousDir ? listLessonFiles(previousDir) : [];
  const after = listLessonFiles(dir);
  const paths = [...new Set([...before, ...after])].sort();
  const changes: FileChange[] = [];
  for (const file of paths) {
    const oldText =
      before.includes(file) && previousDir ? readText(path.join(previousDir, file)) : '';
    const newText = after.includes(file) ? readText(path.join(dir, file)) : '';
    if (oldText === null || newText === null || oldText === newText) continue;
    if (path.posix.basename(file) === 'package.json' && oldText && newText) {
      if (onlyPackageNameDiffers(oldText, newText)) continue;
    }
    const hunks = hunksOf(oldText, newText);
    const count = (kind: DiffLine['kind']) =>
      hunks.reduce((sum, hunk) => sum + hunk.lines.filter((line) => line.kind === kind).length, 0);
    changes.push({
      path: file,
      status: !before.includes(file) ? 'added' : !after.includes(file) ? 'removed' : 'modified',
      added: count('added'),
      removed: count('removed'),
      hunks,
    });
  }
  return changes;
}

const LANGUAGES: Record<string, string> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.js': 'js',
  '.mjs': 'js',
  '.json': 'json',
  '.md': 'md',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.sql': 'sql',
  '.sh': 'sh',
  '.html': 'html',
  '.css': 'css',
};

/** The code-block language for a file path (plain text when unknown). */
export function languageOf(file: string): string {
  return LANGUAGES[path.extname(file).toLowerCase()] ?? 'txt';
}
