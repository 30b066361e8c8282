import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertSnippetsExist,
  extractRegion,
  findSnippetBlocks,
  parseSnippetRef,
  resolveSnippet,
  SnippetError,
  stripSnippetRef,
  syncReadme,
} from '../src/course/snippets.ts';
import { first, second } from './lesson-fixtures.ts';

describe('parseSnippetRef', () => {
  it('reads a file and an optional region from the meta', () => {
    expect(parseSnippetRef('file=src/cache.ts#read-through')).toEqual({
      file: 'src/cache.ts',
      region: 'read-through',
    });
    expect(parseSnippetRef('title="x" file=src/main.ts')).toEqual({ file: 'src/main.ts' });
    expect(parseSnippetRef('file="src/a b.ts#r"')).toEqual({ file: 'src/a b.ts', region: 'r' });
  });

  it('ignores blocks without file=', () => {
    expect(parseSnippetRef('title="profile=x"')).toBeNull();
    expect(parseSnippetRef(undefined)).toBeNull();
  });

  it('leaves the rest of the meta for the code renderer', () => {
    expect(stripSnippetRef('file=src/a.ts#r {2} title="A"')).toBe('{2} title="A"');
  });
});

describe('extractRegion', () => {
  const source = [
    'import x from "x";',
    '// #region outer',
    '  function f() {',
    '    // #region inner',
    '    return 1;',
    '    // #endregion inner',
    '  }',
    '// #endregion outer',
    '# #region shell',
    'echo hi',
    '# #endregion shell',
  ].join('\n');

  it('returns the lines between the markers, markers removed, indentation stripped', () => {
    expect(extractRegion(source, 'inner')).toBe('return 1;');
    expect(extractRegion(source, 'outer')).toBe('function f() {\n  return 1;\n}');
  });

  it('accepts # comments for shell and YAML files', () => {
    expect(extractRegion(source, 'shell')).toBe('echo hi');
  });

  it('returns a whole file without any region markers', () => {
    expect(extractRegion(source, undefined)).not.toMatch(/#(end)?region/);
    expect(extractRegion(source, undefined).split('\n')).toEqual([
      'import x from "x";',
      '  function f() {',
      '    return 1;',
      '  }',
      'echo hi',
    ]);
  });

  it('does not take a region whose name only starts the same', () => {
    const text =
      '// #region read-through\nA\n// #endregion read-through\n// #region read\nB\n// #endregion read';
    expect(extractRegion(text, 'read')).toBe('B');
  });

  it('fails on a missing or unclosed region, naming it', () => {
    expect(() => extractRegion(source, 'nope', 'src/a.ts')).toThrow(
      'region "nope" not found in src/a.ts',
    );
    expect(() => extractRegion('// #region open\nx', 'open', 'src/a.ts')).toThrow(/never closed/);
  });
});

describe('resolveSnippet', () => {
  it('reads a region of a lesson file', () => {
    expect(resolveSnippet(first, { file: 'src/store.ts', region: 'get' }, 'README.md')).toBe(
      readFileSync(path.join(first, 'src/store.ts'), 'utf8').split('\n').slice(4, 7).join('\n'),
    );
  });

  it('names the README and the reference when the file or region is missing', () => {
    const call = (ref: { file: string; region?: string }) => () =>
      resolveSnippet(first, ref, 'lessons/01-first-step/README.md:12');
    expect(call({ file: 'src/nope.ts' })).toThrow(SnippetError);
    expect(call({ file: 'src/nope.ts' })).toThrow(
      'lessons/01-first-step/README.md:12: file=src/nope.ts: file not found',
    );
    expect(call({ file: 'src/store.ts', region: 'nope' })).toThrow(
      'lessons/01-first-step/README.md:12: file=src/store.ts#nope: region "nope" not found',
    );
    expect(call({ file: '../02-second-step/src/store.ts' })).toThrow(/inside the lesson folder/);
  });
});

describe('findSnippetBlocks', () => {
  it('finds file= blocks, not those quoted inside a longer fence', () => {
    const markdown = [
      '````md',
      '```ts file=src/inside.ts',
      '```',
      '````',
      '',
      '  ```ts file=src/a.ts#r',
      '  const a = 1;',
      '  ```',
      '~~~sh',
      'ls',
      '~~~',
    ].join('\n');
    const blocks = findSnippetBlocks(markdown);
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({
      ref: { file: 'src/a.ts', region: 'r' },
      line: 6,
      body: 'const a = 1;',
    });
  });
});

describe('syncReadme', () => {
  it('reports copies that match, drift or point at nothing', () => {
    const readme = readFileSync(path.join(second, 'README.md'), 'utf8');
    const broken = `${readme}\n\`\`\`ts file=src/store.ts#gone\n\`\`\`\n`;
    const { reports } = syncReadme(broken, second, 'lessons/02-second-step/README.md');
    expect(reports.map((r) => r.status)).toEqual(['ok', 'drifted', 'missing']);
    expect(reports[2]?.message).toContain('lessons/02-second-step/README.md:');
    expect(reports[2]?.message).toContain('file=src/store.ts#gone');
  });

  it('rewrites drifted copies from the files and nothing else', () => {
    const readme = readFileSync(path.join(second, 'README.md'), 'utf8');
    const { text } = syncReadme(readme, second, 'README.md');
    expect(text).not.toContain('stale copy');
    expect(text).toContain('export async function incr');
    expect(syncReadme(text, second, 'README.md').reports.every((r) => r.status === 'ok')).toBe(
      true,
    );
    // Prose around the blocks is untouched.
    expect(text.replace(/```ts file=src\/store.ts\n[\s\S]*?\n```/, '')).toBe(
      readme.replace(/```ts file=src\/store.ts\n[\s\S]*?\n```/, ''),
    );
  });
});

describe('assertSnippetsExist (what stops the site build)', () => {
  it('passes when every reference resolves, even if a copy drifted', () => {
    expect(() =>
      assertSnippetsExist([
        { readme: path.join(first, 'README.md'), label: 'lessons/01-first-step/README.md' },
        { readme: path.join(second, 'README.md'), label: 'lessons/02-second-step/README.md' },
      ]),
    ).not.toThrow();
  });

  it('fails naming the README, the line and the reference', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'site-snippets-'));
    try {
      cpSync(second, dir, { recursive: true });
      const readme = path.join(dir, 'README.md');
      writeFileSync(readme, readFileSync(readme, 'utf8').replace('#incr', '#gone'));
      expect(() =>
        assertSnippetsExist([{ readme, label: 'lessons/02-second-step/README.md' }]),
      ).toThrow(
        /lessons\/02-second-step\/README\.md:\d+: file=src\/store\.ts#gone: region "gone" not found/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
