// The web front's way into this lesson's app (`pnpm lesson 4 --web`): the wiki, the view counter
// and the create limiter of this lesson, built as main.ts builds them. The web layer itself
// lives in packages/web; it is not the lesson.

import * as db from '@workshop/db';
import { type CreateWebWiki, uncachedWiki } from '@workshop/web';
import { createViewCounter, milestoneFor } from './counters.ts';
import { createRateLimiter } from './rate-limit.ts';
import { connectStore } from './upstash.ts';
import { createWiki, type Wiki } from './wiki.ts';

export const createWebWiki: CreateWebWiki = async (hooks) => {
  const { config } = hooks;
  const pool = hooks.instrumentPool(db.createPool(config));
  const store = hooks.instrumentStore(await connectStore(config));
  const wiki: Wiki = hooks.cache ? createWiki({ pool, store, ttlSeconds: 60 }) : uncachedWiki(pool);
  const views = createViewCounter({ store });
  const limiter = createRateLimiter({ store, name: 'create-article', limit: 3, windowSeconds: 60 });
  return {
    lesson: 4,
    ...wiki,
    async recordView(slug) {
      const count = await views.recordView(slug);
      return { views: count, milestone: milestoneFor(count) };
    },
    limitCreate: (author) => limiter.hit(author),
    close: () => pool.end(),
  };
};
