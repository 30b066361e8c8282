// The code copies inside the real lesson READMEs must equal the files they name, so the READMEs
// read correctly on GitHub too. Fix a failure with `pnpm --filter @workshop/site snippets --write`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findRepoRoot, listLessons } from '../src/course/lessons.ts';
import { formatSnippetRef, syncReadme } from '../src/course/snippets.ts';

const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
const readmes = listLessons(path.join(repoRoot, 'lessons')).filter((lesson) => lesson.hasReadme);

describe('lesson README snippets', () => {
  it('finds the lesson READMEs', () => {
    expect(readmes.map((lesson) => lesson.name)).toContain('01-object-store');
  });

  const blocks = readmes.flatMap((lesson) => {
    const label = path.relative(repoRoot, lesson.readme);
    const { reports } = syncReadme(readFileSync(lesson.readme, 'utf8'), lesson.dir, label);
    return reports.map((report) => ({
      name: `${label}:${report.block.line} file=${formatSnippetRef(report.block.ref)}`,
      report,
    }));
  });

  it.each(blocks)('$name matches its file', ({ name, report }) => {
    if (report.status === 'missing') expect.fail(report.message);
    expect(report.status, `${name}: the copy differs from the file; run snippets --write`).toBe(
      'ok',
    );
  });
});
