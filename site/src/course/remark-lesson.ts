// Turns a lesson README into its page: imports the snippets from the lesson's files, adds how to
// run and check the step, the checklist and the diff against the previous lesson.
// Files that are not lesson READMEs pass through untouched.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { outline } from '@workshop/course';
import { lessonLabel, lessonOfReadme, previousLesson } from './lessons.ts';
import { formatSnippetRef, parseSnippetRef, resolveSnippet, stripSnippetRef } from './snippets.ts';
import { diffLessonFolders, type FileChange, languageOf } from './step-diff.ts';

/** The parts of mdast this plugin reads and builds (no dependency on @types/mdast). */
interface MdNode {
  type: string;
  children?: MdNode[];
  value?: string;
  lang?: string | null;
  meta?: string | null;
  depth?: number;
  url?: string;
  checked?: boolean | null;
  spread?: boolean;
  ordered?: boolean;
  data?: { hName?: string; hProperties?: Record<string, unknown> };
}

interface LessonFile {
  path?: string;
  data: { astro?: { frontmatter?: Record<string, unknown> } };
}

/** Plain text of a node (what a heading or list item says). */
export function textOf(node: MdNode): string {
  if (typeof node.value === 'string') return node.value;
  return (node.children ?? []).map(textOf).join('');
}

function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

function walk(node: MdNode, visit: (node: MdNode) => void): void {
  visit(node);
  for (const child of node.children ?? []) walk(child, visit);
}

const text = (value: string): MdNode => ({ type: 'text', value });
const inlineCode = (value: string): MdNode => ({ type: 'inlineCode', value });
const paragraph = (...children: MdNode[]): MdNode => ({ type: 'paragraph', children });
const heading = (depth: number, value: string): MdNode => ({
  type: 'heading',
  depth,
  children: [text(value)],
});
/**
 * A block element of our own: a blockquote node, which mdast-util-to-hast renders as the element
 * named by `data.hName` instead.
 */
const element = (
  hName: string,
  hProperties: Record<string, unknown>,
  children: MdNode[],
): MdNode => ({ type: 'blockquote', data: { hName, hProperties }, children });

/** An inline element of our own: its children stay as written (no newlines between them). */
const inline = (hName: string, children: MdNode[]): MdNode => ({
  type: 'paragraph',
  data: { hName },
  children,
});

/** Replaces each `file=` code block's body with the file or region it names. */
function importSnippets(tree: MdNode, lessonDir: string, readmeLabel: string): void {
  walk(tree, (node) => {
    if (node.type !== 'code') return;
    const ref = parseSnippetRef(node.meta);
    if (!ref) return;
    // Throws a SnippetError naming the README and the reference: the build stops there.
    node.value = resolveSnippet(lessonDir, ref, readmeLabel);
    const meta = stripSnippetRef(node.meta ?? '');
    // The file name becomes the block's title unless the README chose one.
    node.meta = /(^|\s)title=/.test(meta)
      ? meta
      : `${meta} title="${formatSnippetRef({ file: ref.file })}"`.trim();
  });
}

/**
 * "Try it first": a snippet of a file the lesson's exercise asks the learner to write
 * (`exercise/src/<file>`) shows what that code must do (its declarations and comments, the
 * bodies left out), and the code itself only when the learner opens it. Run before
 * importSnippets: it needs the block's `file=` reference.
 */
function tryItFirst(tree: MdNode, lessonDir: string, readmeLabel: string): void {
  const wrapped = new WeakSet<MdNode>(); // the walk goes on into what it just built
  walk(tree, (parent) => {
    for (const [index, node] of (parent.children ?? []).entries()) {
      if (node.type !== 'code' || wrapped.has(node)) continue;
      const ref = parseSnippetRef(node.meta);
      if (!ref?.region || !existsSync(path.join(lessonDir, 'exercise', ref.file))) continue;
      const code = resolveSnippet(lessonDir, ref, readmeLabel);
      const task: MdNode = {
        type: 'code',
        lang: node.lang ?? null,
        meta: `title="Try it first: what ${ref.file} (${ref.region}) must do"`,
        value: outline(code),
      };
      const solution: MdNode = { ...node };
      wrapped.add(solution);
      const summary = inline('summary', [text('Show the code'), text(' (the solution)')]);
      (parent.children as MdNode[])[index] = element(
        'div',
        { className: ['try-it-first'], dataPagefindIgnore: '' },
        [task, element('details', { className: ['try-it-first-solution'] }, [summary, solution])],
      );
    }
  });
}

/**
 * Links written for GitHub (`../04-counters/README.md`, `./src/cache.ts`) become site links:
 * another lesson's README is its page; a link to a file of the repo, which the site does not
 * serve, is kept as plain text rather than left broken.
 */
function rewriteLinks(tree: MdNode, lessonDir: string): void {
  const lessons = path.dirname(lessonDir);
  walk(tree, (node) => {
    for (const [index, child] of (node.children ?? []).entries()) {
      if (child.type !== 'link' || !child.url || /^[a-z][a-z0-9+.-]*:|^#|^\//i.test(child.url)) {
        continue;
      }
      const [target = '', hash] = child.url.split('#');
      const resolved = path.resolve(lessonDir, target);
      const relativeToLessons = path.relative(lessons, resolved).split(path.sep);
      const [folder, ...rest] = relativeToLessons;
      const isLessonPage =
        folder &&
        /^\d{2,}-/.test(folder) &&
        !folder.startsWith('..') &&
        (rest.length === 0 || (rest.length === 1 && rest[0] === 'README.md'));
      if (isLessonPage) {
        child.url = `/lessons/${folder}/${hash ? `#${hash}` : ''}`;
      } else if (node.children) {
        node.children[index] = { type: 'emphasis', children: child.children ?? [] };
      }
    }
  });
}

/** Longer than this, a "Check it" item is an explanation rather than something to tick. */
const MAX_ITEM_LENGTH = 140;

/**
 * The items of the lesson's checklist: frontmatter `checklist`; else the list under the
 * "Check it" heading when its items are short enough to tick; else none (the page then shows
 * the standard run / check / exercises items).
 */
export function checklistItems(tree: MdNode, frontmatter: Record<string, unknown>): MdNode[][] {
  const fromFrontmatter = frontmatter.checklist;
  if (Array.isArray(fromFrontmatter) && fromFrontmatter.length > 0) {
    return fromFrontmatter.map((item) => [text(String(item))]);
  }
  const nodes = tree.children ?? [];
  const start = nodes.findIndex(
    (node) => node.type === 'heading' && /^(check it|checkpoint)/i.test(textOf(node).trim()),
  );
  if (start === -1) return [];
  const depth = nodes[start]?.depth ?? 2;
  const items: MdNode[][] = [];
  for (const node of nodes.slice(start + 1)) {
    if (node.type === 'heading' && (node.depth ?? 6) <= depth) break;
    if (node.type !== 'list') continue;
    for (const item of node.children ?? []) {
      const first = item.children?.[0];
      if (first?.type === 'paragraph') items.push(structuredClone(first.children ?? []));
    }
  }
  const short = items.every(
    (item) => textOf({ type: 'root', children: item }).length <= MAX_ITEM_LENGTH,
  );
  return short ? items : [];
}

function hasHeading(tree: MdNode, pattern: RegExp): boolean {
  return (tree.children ?? []).some(
    (node) => node.type === 'heading' && pattern.test(textOf(node)),
  );
}

// The CLI takes the plain number (`pnpm lesson 3`), as the READMEs write it.
function runAndCheck(n: number): MdNode {
  return {
    type: 'code',
    lang: 'sh',
    meta: 'title="Run and check this step" frame="terminal"',
    value: `pnpm lesson ${n}   # run this step's app\npnpm check ${n}    # run its checkpoint tests`,
  };
}

function checklistSection(
  slug: string,
  n: number,
  items: MdNode[][],
  hasExercises: boolean,
): MdNode[] {
  const fallback = [
    [text('I ran '), inlineCode(`pnpm lesson ${n}`), text(' and read what it printed')],
    [inlineCode(`pnpm check ${n}`), text(' passes')],
    ...(hasExercises ? [[text('I tried the exercises')]] : []),
  ];
  const list = (items.length > 0 ? items : fallback).map((children) => {
    const id = slugify(textOf({ type: 'root', children }));
    return element('li', {}, [
      inline('label', [
        { type: 'html', value: `<input type="checkbox" data-item="${id}">` },
        // One box for the words, so the label's flex gap only separates it from the checkbox.
        inline('span', children),
      ]),
    ]);
  });
  return [
    heading(2, 'Your checklist'),
    paragraph(
      text('Tick what you have done; it is kept in this browser only. The lesson counts as done '),
      text('in the progress bar once every box is ticked.'),
    ),
    element('ul', { className: ['lesson-checklist'], dataLesson: slug }, list),
  ];
}

/** `{1,3-5}` for 1-based line numbers. */
function ranges(numbers: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; i++) {
    const first = numbers[i] as number;
    let last = first;
    while (numbers[i + 1] === last + 1) last = numbers[++i] as number;
    parts.push(first === last ? `${first}` : `${first}-${last}`);
  }
  return `{${parts.join(',')}}`;
}

function fileDiff(change: FileChange, open: boolean): MdNode {
  const what = { added: 'new file', removed: 'deleted', modified: 'changed' }[change.status];
  if (change.status === 'removed') {
    // Nothing to read in a deleted file: name it, without its old content.
    return paragraph(inlineCode(change.path), text(` deleted (it had ${change.removed} lines).`));
  }
  const blocks = change.hunks.map((hunk): MdNode => {
    const added: number[] = [];
    const removed: number[] = [];
    hunk.lines.forEach((line, index) => {
      // A new file is all additions: show it as plain code rather than a wall of green.
      if (line.kind === 'added' && change.status !== 'added') added.push(index + 1);
      if (line.kind === 'removed') removed.push(index + 1);
    });
    const title = change.hunks.length > 1 ? `${change.path}:${hunk.start}` : change.path;
    const meta = [`title="${title}"`];
    if (added.length > 0) meta.push(`ins=${ranges(added)}`);
    if (removed.length > 0) meta.push(`del=${ranges(removed)}`);
    return {
      type: 'code',
      lang: languageOf(change.path),
      meta: meta.join(' '),
      value: hunk.lines.map((line) => line.text).join('\n'),
    };
  });
  const summary = inline('summary', [
    inlineCode(change.path),
    text(` ${what} (+${change.added} −${change.removed})`),
  ]);
  return element('details', { className: ['step-diff-file'], open }, [summary, ...blocks]);
}

function diffSection(lessonDir: string, number: number): MdNode[] {
  const lesson = lessonOfReadme(path.join(lessonDir, 'README.md'));
  const previous = lesson ? previousLesson(lesson) : null;
  const changes = diffLessonFolders(previous?.dir ?? null, lessonDir);
  const intro = previous
    ? paragraph(
        text('Compared with '),
        // Link the previous lesson's page only when it has one (its README may not exist yet).
        previous.hasReadme
          ? {
              type: 'link',
              url: `/lessons/${previous.name}/`,
              children: [text(`lesson ${lessonLabel(previous.number)}`)],
            }
          : text(`lesson ${lessonLabel(previous.number)}`),
        text(
          changes.length === 0
            ? ': no code changes.'
            : `: ${changes.length} file${changes.length === 1 ? '' : 's'}. Lockfiles, READMEs and the practice material are left out.`,
        ),
      )
    : paragraph(
        text(`Lesson ${lessonLabel(number)} is the first step, so every file is new.`),
        text(' Open a file to read it.'),
      );
  // Small changes start open; big ones, and the first lesson's files (all new), start folded.
  const changed = (c: FileChange) => c.added + c.removed;
  const files = changes.map((change) =>
    fileDiff(change, previous !== null && changed(change) <= 80),
  );
  return [
    heading(2, 'What changed in this step'),
    // The diff repeats code that the text already explains: keep it out of search results.
    element('div', { className: ['step-diff'], dataPagefindIgnore: '' }, [intro, ...files]),
  ];
}

/** The remark plugin (`markdown.remarkPlugins` in astro.config.ts). */
export function remarkLessonPage() {
  // Typed loosely on purpose: unified hands us an mdast Root and a VFile.
  return (root: object, vfile: object): void => {
    const tree = root as MdNode;
    const file = vfile as LessonFile;
    if (!file.path) return;
    const lesson = lessonOfReadme(file.path);
    if (!lesson) return;
    const readmeLabel = path.relative(path.dirname(path.dirname(lesson.dir)), lesson.readme);
    const frontmatter = file.data.astro?.frontmatter ?? {};
    const number = typeof frontmatter.lesson === 'number' ? frontmatter.lesson : lesson.number;
    const children = tree.children ?? [];
    // The page prints the frontmatter title; a leading "# Title" written for GitHub would repeat it.
    if (children[0]?.type === 'heading' && children[0].depth === 1) children.shift();

    tryItFirst(tree, lesson.dir, readmeLabel);
    importSnippets(tree, lesson.dir, readmeLabel);
    rewriteLinks(tree, lesson.dir);
    const items = checklistItems(tree, frontmatter);
    children.unshift(runAndCheck(number));
    const hasExercises = hasHeading(tree, /^exercises?\b/i);
    children.push(...checklistSection(lesson.name, number, items, hasExercises));
    children.push(...diffSection(lesson.dir, number));
    tree.children = children;
  };
}
