// The web front's way into this lesson's app (`pnpm lesson 3 --web`): the wiki of this lesson,
// built as main.ts builds it. The web layer itself lives in packages/web; it is not the lesson.

import * as db from '@workshop/db';
import { type CreateWebWiki, uncachedWiki } from '@workshop/web';
import { connectStore } from './upstash.ts';
import { createWiki, type Wiki } from './wiki.ts';

export const createWebWiki: CreateWebWiki = async (hooks) => {
  const { config } = hooks;
  const pool = hooks.instrumentPool(db.createPool(config));
  const store = hooks.instrumentStore(await connectStore(config));
  // With the cache off (the benchmark's baseline), every page reads Postgres.
  const wiki: Wiki = hooks.cache ? createWiki({ pool, store, ttlSeconds: 60 }) : uncachedWiki(pool);
  return { lesson: 3, ...wiki, close: () => pool.end() };
};
