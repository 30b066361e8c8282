// Helpers for the HTTP checkpoints of the lessons (and this package's own tests): the lesson's
// web front on a free port, a page fetched with what the cache said, and a TCP proxy that can
// cut a store off mid-test (the store itself keeps running for the other tests of the file).

import { connect, createServer, type Socket } from 'node:net';
import type { WorkshopConfig } from '@workshop/db';
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

export interface TcpProxy {
  /** host:port of the proxy: put it where the store's address was. */
  readonly port: number;
  /** Cuts every connection and refuses new ones: the store is "down". */
  cut(): Promise<void>;
}

/** A TCP proxy to `target` ('host:port'), for tests that take a service away and back. */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    cut: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The same URL with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString().replace(/\/$/, '');
}
