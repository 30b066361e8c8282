// Code shown in a lesson README is a real file of that lesson, or a marked region of one.
//
// A fenced block opts in with `file=` in its meta:  ```ts file=src/cache.ts#read-through
// The path is relative to the lesson folder; `#name` picks the lines between
// `// #region name` and `// #endregion name` (marker lines dropped, common indentation removed).
// The block body is a copy kept so the README reads well on GitHub: the site replaces it from
// the file at build time, and `scripts/snippets.ts --check|--write` keeps the copy in sync.
// This module is the one place that knows these rules; the build, the CLI and the tests call it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { extractRegion, RegionError } from '@workshop/course';

// Region markers (every comment syntax) and cutting a region out are @workshop/course's.
export { extractRegion } from '@workshop/course';

export interface SnippetRef {
  /** Path relative to the lesson folder, as written in the README. */
  file: string;
  region?: string;
}

/** A README names a file or region that does not exist. */
export class SnippetError extends Error {
  override name = 'SnippetError';
}

const FILE_ATTRIBUTE = /(?:^|\s)file=(?:"([^"]+)"|'([^']+)'|(\S+))/;

/** Reads `file=path[#region]` from a code block's meta; null when the block is not a snippet. */
export function parseSnippetRef(meta: string | null | undefined): SnippetRef | null {
  const match = meta ? FILE_ATTRIBUTE.exec(meta) : null;
  if (!match) return null;
  const value = match[1] ?? match[2] ?? match[3] ?? '';
  const hash = value.indexOf('#');
  if (hash === -1) return { file: value };
  return { file: value.slice(0, hash), region: value.slice(hash + 1) };
}

/** The meta without its `file=` attribute (what is left is for the code renderer). */
export function stripSnippetRef(meta: string): string {
  return meta.replace(FILE_ATTRIBUTE, ' ').trim();
}

export function formatSnippetRef(ref: SnippetRef): string {
  return ref.region ? `${ref.file}#${ref.region}` : ref.file;
}

/** Reads the snippet a README points at; throws SnippetError naming the README and the reference. */
export function resolveSnippet(lessonDir: string, ref: SnippetRef, readmeLabel: string): string {
  const target = path.resolve(lessonDir, ref.file);
  const label = `${readmeLabel}: file=${formatSnippetRef(ref)}`;
  if (!target.startsWith(path.resolve(lessonDir) + path.sep)) {
    throw new SnippetError(`${label}: the path must stay inside the lesson folder`);
  }
  let source: string;
  try {
    source = readFileSync(target, 'utf8');
  } catch {
    throw new SnippetError(`${label}: file not found (${ref.file} relative to the lesson folder)`);
  }
  try {
    return extractRegion(source, ref.region, ref.file);
  } catch (error) {
    if (error instanceof RegionError) throw new SnippetError(`${label}: ${error.message}`);
    throw error;
  }
}

/** One fenced code block of a Markdown file whose meta names a file. */
export interface SnippetBlock {
  ref: SnippetRef;
  /** 1-based line of the opening fence. */
  line: number;
  /** Indexes (0-based) of the first and last body lines: [start, end). */
  bodyStart: number;
  bodyEnd: number;
  indent: string;
  body: string;
}

const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})\s*([^`]*)$/;

/** Finds the fenced blocks that reference files (a small CommonMark fence scanner). */
export function findSnippetBlocks(markdown: string): SnippetBlock[] {
  const lines = markdown.split('\n');
  const blocks: SnippetBlock[] = [];
  let index = 0;
  while (index < lines.length) {
    const open = FENCE_OPEN.exec(lines[index] ?? '');
    if (!open) {
      index++;
      continue;
    }
    const indent = open[1] ?? '';
    const fence = open[2] ?? '```';
    const info = (open[3] ?? '').trim();
    const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    let close = index + 1;
    while (close < lines.length && !closing.test(lines[close] ?? '')) close++;
    const meta = info.replace(/^\S*\s*/, '');
    const ref = parseSnippetRef(meta);
    if (ref) {
      const bodyLines = lines
        .slice(index + 1, close)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line.trimStart()));
      blocks.push({
        ref,
        line: index + 1,
        bodyStart: index + 1,
        bodyEnd: close,
        indent,
        body: bodyLines.join('\n'),
      });
    }
    index = close + 1;
  }
  return blocks;
}

export interface SnippetReport {
  block: SnippetBlock;
  status: 'ok' | 'drifted' | 'missing';
  /** For 'missing': why. */
  message?: string;
}

/**
 * Compares every snippet copy in a README with its file, and returns the README with every copy
 * refreshed (missing references are left as they are and reported).
 */
export function syncReadme(
  markdown: string,
  lessonDir: string,
  readmeLabel: string,
): { text: string; reports: SnippetReport[] } {
  const blocks = findSnippetBlocks(markdown);
  const lines = markdown.split('\n');
  const reports: SnippetReport[] = [];
  // Replace from the end so earlier line indexes stay valid.
  for (const block of [...blocks].reverse()) {
    let fresh: string;
    try {
      fresh = resolveSnippet(lessonDir, block.ref, `${readmeLabel}:${block.line}`);
    } catch (error) {
      if (!(error instanceof SnippetError)) throw error;
      reports.unshift({ block, status: 'missing', message: error.message });
      continue;
    }
    const same = fresh === block.body;
    reports.unshift({ block, status: same ? 'ok' : 'drifted' });
    if (!same) {
      const replacement =
        fresh === '' ? [] : fresh.split('\n').map((l) => (l ? block.indent + l : l));
      lines.splice(block.bodyStart, block.bodyEnd - block.bodyStart, ...replacement);
    }
  }
  return { text: lines.join('\n'), reports };
}

/**
 * Throws one error listing every snippet reference, in any of the READMEs, that names a missing
 * file or region (what stops the site build).
 */
export function assertSnippetsExist(readmes: { readme: string; label: string }[]): void {
  const problems: string[] = [];
  for (const { readme, label } of readmes) {
    const { reports } = syncReadme(readFileSync(readme, 'utf8'), path.dirname(readme), label);
    for (const report of reports) {
      if (report.status === 'missing') problems.push(report.message ?? '');
    }
  }
  if (problems.length > 0) {
    throw new SnippetError(
      `A lesson README imports code that does not exist:\n  ${problems.join('\n  ')}\nFix the path or add the region marker, then build again.`,
    );
  }
}
