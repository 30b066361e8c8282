// The web front's way into this lesson's app (`pnpm lesson 5 --web`): the wiki, the view counter
// and the create limiter of this lesson, on Valkey over TCP, built as main.ts builds them. The
// web layer itself lives in packages/web; it is not the lesson.

import * as db from '@workshop/db';
import { type CreateWebWiki, uncachedWiki } from '@workshop/web';
import { createViewCounter, milestoneFor } from './counters.ts';
import { createRateLimiter } from './rate-limit.ts';
import { connectValkeyStore } from './valkey-store.ts';
import { createWiki, type Wiki } from './wiki.ts';

export const createWebWiki: CreateWebWiki = async (hooks) => {
  const { config } = hooks;
  const pool = hooks.instrumentPool(db.createPool(config));
  const { client, store: valkeyStore } = await connectValkeyStore(config);
  const store = hooks.instrumentStore(valkeyStore);
  const wiki: Wiki = hooks.cache ? createWiki({ pool, store, ttlSeconds: 60 }) : uncachedWiki(pool);
  const views = createViewCounter({ store });
  const limiter = createRateLimiter({ store, name: 'create-article', limit: 3, windowSeconds: 60 });
  return {
    lesson: 5,
    ...wiki,
    async recordView(slug) {
      const count = await views.recordView(slug);
      return { views: count, milestone: milestoneFor(count) };
    },
    limitCreate: (author) => limiter.hit(author),
    async close() {
      client.disconnect();
      await pool.end();
    },
  };
};
