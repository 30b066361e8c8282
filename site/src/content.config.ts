import { defineCollection, z } from 'astro:content';
import { docsSchema } from '@astrojs/starlight/schema';
import { findRepoRoot } from './course/lessons.ts';
import { lessonsLoader } from './course/loader.ts';

export const collections = {
  docs: defineCollection({
    loader: lessonsLoader({ repoRoot: findRepoRoot() }),
    schema: docsSchema({
      extend: z.object({
        // The lesson number orders the sidebar and names the commands (`pnpm lesson 3`).
        // Every README must have it (the loader says so); pages that are not lessons do not.
        lesson: z.number().int().positive().optional(),
        // Optional: the checklist items; otherwise the list under the "Check it" heading.
        checklist: z.array(z.string()).optional(),
      }),
    }),
  }),
};
