// The lesson pages of the docs collection, in lesson order (for the sidebar, home page, llms.txt).
import { type CollectionEntry, getCollection } from 'astro:content';

export interface LessonEntry {
  entry: CollectionEntry<'docs'>;
  number: number;
  /** The lesson folder name, e.g. `03-ttl-caching`. */
  slug: string;
  /** The page path, e.g. `/lessons/03-ttl-caching/`. */
  href: string;
}

export async function getLessonEntries(): Promise<LessonEntry[]> {
  return (await getCollection('docs'))
    .filter((entry) => entry.id.startsWith('lessons/'))
    .map((entry) => ({
      entry,
      // The loader refuses a lesson README without its number, so this is always set.
      number: entry.data.lesson ?? 0,
      slug: entry.id.slice('lessons/'.length),
      href: `/${entry.id}/`,
    }))
    .sort((a, b) => a.number - b.number);
}
