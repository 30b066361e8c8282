// The web front's way into this lesson's app (`pnpm lesson 2 --web`): the wiki of this lesson,
// built as main.ts builds it. The web layer itself lives in packages/web; it is not the lesson.

import { createPool } from '@workshop/db';
import type { CreateWebWiki } from '@workshop/web';
import { connectStore } from './upstash.ts';
import { createWiki } from './wiki.ts';

export const createWebWiki: CreateWebWiki = async (hooks) => {
  const { config } = hooks;
  const pool = hooks.instrumentPool(createPool(config));
  const store = hooks.instrumentStore(await connectStore(config));
  const wiki = createWiki({ pool, store });
  return { lesson: 2, ...wiki, close: () => pool.end() };
};
