// /llms.txt: the whole course as one text file, for learners who read with an assistant.
// Built at build time from the same READMEs as the pages, with the snippets taken from the files.
import path from 'node:path';
import type { APIRoute } from 'astro';
import { getLessonEntries } from '../course/lesson-entries.ts';
import { lessonLabel, lessonsDir } from '../course/lessons.ts';
import { syncReadme } from '../course/snippets.ts';

export const GET: APIRoute = async () => {
  const lessons = await getLessonEntries();
  const parts = [
    '# Key-value stores and caching in TypeScript',
    '',
    '> A hands-on workshop: Redis semantics, Upstash over HTTP, Valkey over TCP, and caching in front of Postgres. One app (a team wiki) gains one feature per lesson.',
    '',
    'Set up: `pnpm install`, then `pnpm start` (the local stack and the course site). For lesson N: `pnpm lesson N` runs the step, `pnpm check N` runs its checkpoint tests.',
    '',
    '## Lessons',
    '',
    ...lessons.map(({ entry, number, href }) => {
      const about = entry.data.description ? `: ${entry.data.description}` : '';
      return `- [${lessonLabel(number)}. ${entry.data.title}](${href})${about}`;
    }),
  ];
  for (const { entry, number, slug } of lessons) {
    // The README's copies of the code, refreshed from the files exactly as the pages are.
    const { text } = syncReadme(entry.body ?? '', path.join(lessonsDir(), slug), slug);
    const n = lessonLabel(number);
    const run = `\`pnpm lesson ${number}\``;
    const check = `\`pnpm check ${number}\``;
    parts.push(
      '',
      '---',
      '',
      `# Lesson ${n}: ${entry.data.title}`,
      '',
      `Run it: ${run}. Check it: ${check}.`,
      '',
      // The README's own "# Title" (for GitHub) would repeat the heading above.
      text.trim().replace(/^# .*\n+/, ''),
    );
  }
  return new Response(`${parts.join('\n')}\n`, {
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  });
};
