// Region markers: the course text shows a named part of a lesson file, marked in the file with
// `// #region name` ... `// #endregion name`, or the same after `#` (shell, YAML), `<!--` or
// `/*`. The site cuts snippets with them; practice mode removes them from what a learner sees.

const MARKER = /^\s*(?:\/\/|#|<!--|\/\*)\s*#(region|endregion)\b\s*([\w.-]*)/;

export interface RegionMarker {
  kind: 'region' | 'endregion';
  name: string;
}

/** The region marker on this line, or null. */
export function regionMarker(line: string): RegionMarker | null {
  const match = MARKER.exec(line);
  if (!match) return null;
  return { kind: match[1] as RegionMarker['kind'], name: match[2] ?? '' };
}

export function isMarkerLine(line: string): boolean {
  return MARKER.test(line);
}

/** The region a snippet names does not exist, or is never closed. */
export class RegionError extends Error {
  override name = 'RegionError';
}

/**
 * Lines for the repo, not for the learner: region markers and the exercises'
 * `// biome-ignore-all` (a starting state has unused parameters).
 */
export function withoutMarkers(text: string): string {
  const lines = text.split('\n');
  const kept = lines.filter(
    (line) => !isMarkerLine(line) && !/^\s*\/\/ biome-ignore-all\b/.test(line),
  );
  return kept.join('\n');
}

/** Removes the indentation that every non-blank line shares. */
export function dedent(lines: string[]): string[] {
  let common = Number.POSITIVE_INFINITY;
  for (const line of lines) {
    if (line.trim() === '') continue;
    common = Math.min(common, line.length - line.trimStart().length);
  }
  if (!Number.isFinite(common) || common === 0) return lines.map((line) => line.trimEnd());
  return lines.map((line) => (line.trim() === '' ? '' : line.slice(common).trimEnd()));
}

/** Drops leading and trailing blank lines. */
function trimBlankEdges(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start]?.trim() === '') start++;
  while (end > start && lines[end - 1]?.trim() === '') end--;
  return lines.slice(start, end);
}

/**
 * The text of `region` in `source` (or the whole source without region markers when `region` is
 * undefined), marker lines dropped and common indentation removed. `where` names the file in
 * the error.
 */
export function extractRegion(source: string, region: string | undefined, where = 'the file') {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  if (region === undefined) return trimBlankEdges(lines.filter((l) => !isMarkerLine(l))).join('\n');
  const start = lines.findIndex((line) => {
    const marker = regionMarker(line);
    return marker?.kind === 'region' && marker.name === region;
  });
  if (start === -1) {
    throw new RegionError(`region "${region}" not found in ${where} (add "// #region ${region}")`);
  }
  const end = lines.findIndex((line, index) => {
    if (index <= start) return false;
    const marker = regionMarker(line);
    return marker?.kind === 'endregion' && marker.name === region;
  });
  if (end === -1) {
    throw new RegionError(
      `region "${region}" in ${where} is never closed (add "// #endregion ${region}")`,
    );
  }
  // Markers of other (nested or overlapping) regions inside are not shown either.
  const body = lines.slice(start + 1, end).filter((line) => !isMarkerLine(line));
  return dedent(trimBlankEdges(body)).join('\n');
}
