import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checklistItems, remarkLessonPage, textOf } from '../src/course/remark-lesson.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'lessons');

type Node = Parameters<typeof textOf>[0];
const t = (value: string): Node => ({ type: 'text', value });
const heading = (depth: number, value: string): Node => ({
  type: 'heading',
  depth,
  children: [t(value)],
});
const list = (...items: string[]): Node => ({
  type: 'list',
  children: items.map((item) => ({
    type: 'listItem',
    children: [{ type: 'paragraph', children: [t(item)] }],
  })),
});

function render(readme: string, children: Node[], frontmatter: Record<string, unknown> = {}) {
  const tree: Node = { type: 'root', children };
  remarkLessonPage()(tree, { path: path.join(fixtures, readme), data: { astro: { frontmatter } } });
  return tree.children ?? [];
}

describe('remarkLessonPage', () => {
  it('imports the snippet from the file and titles it with the file name', () => {
    const [, code] = render('02-second-step/README.md', [
      { type: 'code', lang: 'ts', meta: 'file=src/store.ts#incr', value: 'stale' },
    ]);
    expect(code?.value).toContain(
      "throw new ReplyError('ERR value is not an integer or out of range');",
    );
    expect(code?.value).not.toContain('#region');
    expect(code?.meta).toBe('title="src/store.ts"');
  });

  it('shows a region the exercise asks for as "try it first", its code folded away', () => {
    const [, wrapper] = render('01-first-step/README.md', [
      { type: 'code', lang: 'ts', meta: 'file=src/store.ts#get', value: 'stale' },
    ]);
    expect(wrapper?.data?.hName).toBe('div');
    const [task, details] = wrapper?.children ?? [];
    expect(task?.meta).toBe('title="Try it first: what src/store.ts (get) must do"');
    expect(task?.value).toBe(
      'export async function get(key: string): Promise<string | null> {\n  // ... your code ...\n}',
    );
    expect(details?.data?.hName).toBe('details');
    const [summary, code] = details?.children ?? [];
    expect(textOf(summary as Node)).toBe('Show the code (the solution)');
    expect(code?.value).toContain('return data[key] ?? null;');
    expect(code?.meta).toBe('title="src/store.ts"');
  });

  it('stops on a missing region, naming the README and the reference', () => {
    expect(() =>
      render('02-second-step/README.md', [
        { type: 'code', lang: 'ts', meta: 'file=src/store.ts#nope', value: '' },
      ]),
    ).toThrow(/02-second-step\/README\.md: file=src\/store\.ts#nope: region "nope" not found/);
  });

  it('drops a leading "# Title" and adds run/check, checklist and diff', () => {
    const nodes = render(
      '02-second-step/README.md',
      [heading(1, 'The second step'), { type: 'paragraph', children: [t('Text')] }],
      { lesson: 2 },
    );
    expect(nodes[0]).toMatchObject({ type: 'code', lang: 'sh' });
    expect(nodes[0]?.value).toContain('pnpm lesson 2');
    expect(nodes[0]?.value).toContain('pnpm check 2');
    expect(nodes.some((n) => n.type === 'heading' && n.depth === 1)).toBe(false);
    const headings = nodes.filter((n) => n.type === 'heading').map(textOf);
    expect(headings).toEqual(['Your checklist', 'What changed in this step']);
  });

  it('turns a link to another lesson README into its page, and a link to a file into text', () => {
    const [, paragraph] = render('01-first-step/README.md', [
      {
        type: 'paragraph',
        children: [
          { type: 'link', url: '../02-second-step/README.md#counting', children: [t('next')] },
          { type: 'link', url: './src/store.ts', children: [t('store.ts')] },
          { type: 'link', url: 'https://redis.io/docs/', children: [t('docs')] },
        ],
      },
    ]);
    expect(paragraph?.children?.[0]).toMatchObject({
      type: 'link',
      url: '/lessons/02-second-step/#counting',
    });
    expect(paragraph?.children?.[1]).toMatchObject({ type: 'emphasis' });
    expect(paragraph?.children?.[2]).toMatchObject({ type: 'link', url: 'https://redis.io/docs/' });
  });

  it('leaves files that are not lesson READMEs alone', () => {
    const tree: Node = { type: 'root', children: [heading(1, 'Title')] };
    remarkLessonPage()(tree, { path: path.join(fixtures, '01-first-step/src/notes.md'), data: {} });
    expect(tree.children).toHaveLength(1);
  });
});

describe('checklistItems', () => {
  it('prefers the frontmatter list', () => {
    expect(
      checklistItems({ type: 'root', children: [] }, { checklist: ['a', 'b'] }).map((i) =>
        textOf({ type: 'root', children: i }),
      ),
    ).toEqual(['a', 'b']);
  });

  it('takes short items under "Check it", up to the next heading', () => {
    const tree: Node = {
      type: 'root',
      children: [
        heading(2, 'Check it'),
        list('counts 1,000 views', 'fires each milestone once'),
        heading(2, 'Pitfalls'),
        list('not me'),
      ],
    };
    expect(checklistItems(tree, {}).map((i) => textOf({ type: 'root', children: i }))).toEqual([
      'counts 1,000 views',
      'fires each milestone once',
    ]);
  });

  it('skips a "Check it" list of long explanations (the standard items are used instead)', () => {
    const tree: Node = { type: 'root', children: [heading(2, 'Check it'), list('x'.repeat(200))] };
    expect(checklistItems(tree, {})).toEqual([]);
  });
});
