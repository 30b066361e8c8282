import starlight from '@astrojs/starlight';
import { defineConfig, passthroughImageService } from 'astro/config';
import { lessonsDir, listLessons } from './src/course/lessons.ts';
import { remarkLessonPage } from './src/course/remark-lesson.ts';

// One sidebar entry per lesson README, in lesson order (the loader checks that each README's
// `lesson:` matches its folder number, so folder order is lesson order). Labels come from the
// pages: "03. Caching with a TTL".
const lessonLinks = listLessons(lessonsDir())
  .filter((lesson) => lesson.hasReadme)
  .map((lesson) => ({ slug: `lessons/${lesson.name}` }));

export default defineConfig({
  // The pictures are SVG diagrams: nothing to resize, so no image pipeline (and no sharp).
  image: { service: passthroughImageService() },
  markdown: {
    // Snippets imported from the lesson files, run/check commands, checklist, step diff.
    remarkPlugins: [remarkLessonPage],
  },
  integrations: [
    starlight({
      title: 'KV & caching workshop',
      description:
        'A TypeScript workshop on key-value stores and caching: Redis semantics, Upstash, Valkey, in front of Postgres.',
      sidebar: [
        { label: 'Start here', link: '/' },
        { label: 'Lessons', items: lessonLinks },
      ],
      components: {
        // The default sidebar plus the learner's progress (kept in localStorage).
        Sidebar: './src/components/Sidebar.astro',
      },
      customCss: ['./src/styles/course.css'],
      // Prev/next links follow the sidebar: Start here, 01, 02, ...
      pagination: true,
      expressiveCode: {
        // No external fonts: the site must work offline.
        styleOverrides: {
          codeFontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
        },
      },
    }),
  ],
  vite: {
    // The lesson READMEs (and the pictures they reference) live outside site/.
    server: { fs: { allow: ['..'] } },
  },
});
