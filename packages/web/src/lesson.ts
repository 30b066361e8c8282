// Starts the web front over one lesson's app (or the practice playground's): it imports
// `<dir>/src/web.ts`, whose `createWebWiki` builds that lesson's own wiki, counters and limiter.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, type WorkshopConfig } from '@workshop/config';
import { instrumentPool, instrumentStore, reportLocalHit } from './request-context.ts';
import { startWebServer, type WebServer } from './server.ts';
import type { CreateWebWiki, WebWiki } from './types.ts';

export interface LessonWeb extends WebServer {
  wiki: WebWiki;
}

export interface LessonWebOptions {
  host?: string;
  /** A fixed port; with `nextFreePort`, the next one up when it is taken. 0 = any free port. */
  port?: number;
  nextFreePort?: boolean;
  /** false: the same pages with nothing cached (for the with/without benchmark). */
  cache?: boolean;
  /** Default: `loadConfig()` (the environment and .env, as the lesson's main.ts reads them). */
  config?: WorkshopConfig;
}

export async function loadCreateWebWiki(dir: string): Promise<CreateWebWiki> {
  const entry = join(dir, 'src', 'web.ts');
  if (!existsSync(entry)) {
    throw new Error(
      `${entry} does not exist: this app has no web front yet (a lesson's src/web.ts exports createWebWiki).`,
    );
  }
  const module = (await import(pathToFileURL(entry).href)) as { createWebWiki?: CreateWebWiki };
  if (typeof module.createWebWiki !== 'function') {
    throw new Error(`${entry} must export a function createWebWiki(hooks).`);
  }
  return module.createWebWiki;
}

export async function startLessonWeb(
  dir: string,
  options: LessonWebOptions = {},
): Promise<LessonWeb> {
  const create = await loadCreateWebWiki(dir);
  const wiki = await create({
    config: options.config ?? loadConfig(),
    instrumentPool,
    instrumentStore,
    reportLocalHit,
    cache: options.cache ?? true,
  });
  const first = options.port ?? 0;
  const tries = options.nextFreePort && first !== 0 ? 20 : 1;
  for (let i = 0; ; i++) {
    try {
      const server = await startWebServer(wiki, {
        host: options.host,
        port: first === 0 ? 0 : first + i,
      });
      return {
        ...server,
        wiki,
        close: async () => {
          await server.close();
          await wiki.close();
        },
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' || i + 1 >= tries) {
        await wiki.close();
        if (code === 'EADDRINUSE') {
          throw new Error(
            `Ports ${first}-${first + i} are all in use: pass --port <n> to pick another.`,
          );
        }
        throw error;
      }
    }
  }
}
