// The docs collection: every `lessons/NN-slug/README.md`, read in place (no copies under site/).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Loader, LoaderContext } from 'astro/loaders';
import { glob } from 'astro/loaders';
import { lessonLabel, lessonsDir, listLessons } from './lessons.ts';
import { assertSnippetsExist } from './snippets.ts';

/**
 * A fingerprint of every lesson file. A page shows more than its README (imported snippets, the
 * diff against the previous lesson), so the cached render of a README must be redone when any
 * lesson file changes, not only when the README does.
 */
function lessonsFingerprint(dir: string): string {
  const hash = createHash('sha1');
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile())
        hash.update(`${full}\0${statSync(full).size}\0`).update(readFileSync(full));
    }
  };
  walk(dir);
  // The page-building code itself is part of what a page is made of.
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (existsSync(here)) walk(here);
  return hash.digest('hex');
}

export function lessonsLoader(options: { repoRoot: string }): Loader {
  const dir = lessonsDir(options.repoRoot);
  const globLoader = glob({
    base: dir,
    pattern: '[0-9][0-9]*-*/README.md',
    // `lessons/03-ttl-caching/README.md` -> page /lessons/03-ttl-caching/
    generateId: ({ entry }) => `lessons/${entry.split('/')[0]}`,
  });

  const load = async (context: LoaderContext, watch: boolean, strict: boolean): Promise<void> => {
    // The glob loader only logs a page that fails to render; a missing snippet must stop the build.
    assertSnippetsExist(
      listLessons(dir)
        .filter((lesson) => lesson.hasReadme)
        .map((lesson) => ({
          readme: lesson.readme,
          label: path.relative(options.repoRoot, lesson.readme),
        })),
    );
    const fingerprint = lessonsFingerprint(dir);
    const renderErrors: string[] = [];
    await globLoader.load({
      ...context,
      watcher: watch ? context.watcher : undefined,
      generateDigest: (data) =>
        context.generateDigest(
          typeof data === 'string' ? data + fingerprint : { data, fingerprint },
        ),
      // The glob loader logs a failed render and carries on; a course page must not go missing.
      logger: Object.assign(Object.create(context.logger), {
        error: (message: string) => {
          renderErrors.push(message);
          context.logger.error(message);
        },
      }),
      parseData: async <TData extends Record<string, unknown>>(entry: {
        id: string;
        data: TData;
        filePath?: string;
      }) => {
        const data = entry.data as { lesson?: unknown; title?: unknown; sidebar?: object };
        const number = data.lesson;
        if (typeof number !== 'number') {
          throw new Error(
            `${entry.filePath ?? entry.id}: the frontmatter needs the lesson number, e.g. "lesson: 3".`,
          );
        }
        const folder = listLessons(dir).find((l) => entry.id === `lessons/${l.name}`);
        if (folder && folder.number !== number) {
          throw new Error(
            `${entry.filePath ?? entry.id}: "lesson: ${number}" does not match the folder number ${folder.number}.`,
          );
        }
        // The sidebar label says the lesson number.
        const sidebar = {
          ...data.sidebar,
          order: number,
          label: `${lessonLabel(number)}. ${String(data.title ?? '')}`,
        };
        return context.parseData({ ...entry, data: { ...data, sidebar } as unknown as TData });
      },
    });
    if (renderErrors.length > 0 && strict) throw new Error(renderErrors.join('\n'));
  };

  return {
    name: 'workshop-lessons-loader',
    load: async (context) => {
      await load(context, true, true);
      // In `astro dev`, a change to a lesson's code changes its page (snippets, diff) too.
      context.watcher?.add(dir);
      context.watcher?.on('change', (changed) => {
        const relative = path.relative(dir, changed);
        if (relative.startsWith('..') || relative.includes('node_modules')) return;
        if (path.basename(changed) === 'README.md') return; // the glob loader handles those
        // Every page may show that file (snippet, diff): render them all again. Clearing first
        // avoids the glob loader's duplicate-id warnings.
        context.store.clear();
        load(context, false, false).catch((error: unknown) => context.logger.error(String(error)));
      });
    },
  };
}
