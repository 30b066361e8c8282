// A lesson README opens with YAML frontmatter: `title`, `description`, `lesson` (its number).
// The site reads it with Astro's full YAML parser; the tools only need the flat `key: value`
// lines, so this reads those and nothing more.

const BLOCK = /^---\r?\n([\s\S]*?)\r?\n---(?:\r?\n|$)/;

/** The frontmatter's `key: value` lines (quotes removed), or {} when there is none. */
export function readFrontmatter(markdown: string): Record<string, string> {
  const block = BLOCK.exec(markdown)?.[1];
  const fields: Record<string, string> = {};
  if (block === undefined) return fields;
  for (const line of block.split(/\r?\n/)) {
    const match = /^([A-Za-z][\w-]*):\s*(.*)$/.exec(line);
    if (!match?.[1]) continue;
    fields[match[1]] = (match[2] ?? '').trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return fields;
}
