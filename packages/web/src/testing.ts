// Helpers for the HTTP checkpoints of the lessons (and this package's own tests): the lesson's
// web front on a free port, and a page fetched with what the cache said.

import type { WorkshopConfig } from '@workshop/config';
import { type LessonWeb, startLessonWeb } from './lesson.ts';

export interface FetchedPage {
  status: number;
  cache: string | null;
  timing: string | null;
  retryAfter: string | null;
  location: string | null;
  html: string;
}

export interface TestWeb {
  web: LessonWeb;
  get(path: string): Promise<FetchedPage>;
  post(
    path: string,
    form: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<FetchedPage>;
  close(): Promise<void>;
}

export async function startTestWeb(
  lessonDir: string,
  config: WorkshopConfig,
  options: { cache?: boolean } = {},
): Promise<TestWeb> {
  const web = await startLessonWeb(lessonDir, { config, port: 0, cache: options.cache });
  const base = `http://127.0.0.1:${web.port}`;
  const page = async (response: Response): Promise<FetchedPage> => ({
    status: response.status,
    cache: response.headers.get('x-cache'),
    timing: response.headers.get('server-timing'),
    retryAfter: response.headers.get('retry-after'),
    location: response.headers.get('location'),
    html: await response.text(),
  });
  return {
    web,
    get: async (path) => page(await fetch(base + path)),
    post: async (path, form, headers = {}) =>
      page(
        await fetch(base + path, {
          method: 'POST',
          body: new URLSearchParams(form),
          headers,
          redirect: 'manual',
        }),
      ),
    close: () => web.close(),
  };
}

export { startTcpProxy, type TcpProxy, viaProxy } from '@workshop/test-support';
