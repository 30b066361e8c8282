// The web front's way into this lesson's app (`pnpm lesson 1 --web`): the wiki of this lesson,
// built as main.ts builds it. The web layer itself lives in packages/web; it is not the lesson.

import { createPool } from '@workshop/db';
import type { CreateWebWiki } from '@workshop/web';
import { createObjectStore } from './store.ts';
import { createWiki } from './wiki.ts';

export const createWebWiki: CreateWebWiki = async (hooks) => {
  const pool = hooks.instrumentPool(createPool(hooks.config));
  // The object lives in this web server's process: every page of this server shares it.
  const store = hooks.instrumentStore(createObjectStore());
  const wiki = createWiki({ pool, store });
  return { lesson: 1, ...wiki, close: () => pool.end() };
};
