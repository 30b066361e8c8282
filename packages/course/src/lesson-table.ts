// The root README's "The lessons" table: one row per lesson folder, `| 03 | [Title](lessons/
// 03-slug/) | what it adds |`. `pnpm new-lesson` adds a row; a test checks that the table and
// the folders agree.

export interface LessonRow {
  /** The number as written in the first cell. */
  number: string;
  title: string;
  /** The link target, e.g. `lessons/03-ttl-caching/`. */
  link: string;
  adds: string;
}

const HEADING = /^## The lessons\s*$/m;
const ROW = /^\|\s*(\d+)\s*\|\s*\[([^\]]*)\]\(([^)]*)\)\s*\|\s*(.*?)\s*\|\s*$/;

/** The table's line range in the README ([start, end) over lines), or null if there is none. */
function tableLines(lines: string[]): { start: number; end: number } | null {
  const heading = lines.findIndex((line) => HEADING.test(line));
  if (heading === -1) return null;
  let start = heading + 1;
  while (start < lines.length && !lines[start]?.startsWith('|')) start++;
  let end = start;
  while (end < lines.length && lines[end]?.startsWith('|')) end++;
  return start < lines.length ? { start, end } : null;
}

/** The lesson rows of the README's table (header and rule left out). */
export function readLessonTable(readme: string): LessonRow[] {
  const lines = readme.split('\n');
  const range = tableLines(lines);
  if (!range) return [];
  return lines.slice(range.start, range.end).flatMap((line) => {
    const match = ROW.exec(line);
    if (!match) return [];
    const [, number = '', title = '', link = '', adds = ''] = match;
    return [{ number, title, link, adds }];
  });
}

/** The README with `row` added to the lessons table, every column padded to line up again. */
export function addLessonRow(readme: string, row: LessonRow): string {
  const lines = readme.split('\n');
  const range = tableLines(lines);
  if (!range) throw new Error('The README has no "## The lessons" table to add the lesson to.');
  const cells = lines.slice(range.start, range.end).map((line) =>
    line
      .replace(/^\|/, '')
      .replace(/\|\s*$/, '')
      .split('|')
      .map((c) => c.trim()),
  );
  cells.push([row.number, `[${row.title}](${row.link})`, row.adds]);
  const widths = [0, 1, 2].map((i) => Math.max(3, ...cells.map((c) => (c[i] ?? '').length)));
  const table = cells.map((c, index) => {
    // The second line is the header rule: dashes across the whole column.
    const padded = widths.map((w, i) => (index === 1 ? '-'.repeat(w) : (c[i] ?? '').padEnd(w)));
    return `| ${padded.join(' | ')} |`;
  });
  lines.splice(range.start, range.end - range.start, ...table);
  return lines.join('\n');
}
