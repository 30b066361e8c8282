// The web front: plain node:http, a handful of routes, server-rendered HTML. Each request runs
// traced (request-context.ts), and its response says what the cache did: `x-cache` and
// `Server-Timing` headers for devtools, and the same in words in the page footer.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ArticleExistsError } from '@workshop/db';
import {
  articleExtras,
  articleForm,
  articlePage,
  type FormValues,
  homeExtras,
  html,
  layout,
  listPage,
  messagePage,
  type SafeHtml,
  statusPage,
  taggedPage,
} from './html.ts';
import { cacheStatus, cacheTier, newTrace, runTraced, serverTiming } from './request-context.ts';
import type { WebWiki } from './types.ts';

export interface WebServerOptions {
  /** Default 127.0.0.1: the wiki is for this machine only. */
  host?: string;
  /** 0 = any free port. */
  port?: number;
}

export interface WebServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Form limits: what a wiki article may be. */
export const LIMITS = { slug: 100, title: 200, body: 100_000, requestBytes: 256 * 1024 };
const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly heading: string,
    message: string,
  ) {
    super(message);
  }
}

interface Page {
  status: number;
  title: string;
  body: SafeHtml;
  headers?: Record<string, string>;
}

export async function startWebServer(
  wiki: WebWiki,
  options: WebServerOptions = {},
): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handle(wiki, req, res).catch((error: unknown) => {
      // Only reached when writing the response itself failed: nothing more to say to the client.
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Pages answer only to names of this machine: a web page elsewhere cannot reach the wiki through
 * DNS rebinding (a host name of theirs that resolves to 127.0.0.1), nor post a form to it.
 */
function isLocalHost(value: string | undefined): boolean {
  if (value === undefined) return false;
  const name = value.replace(/:\d+$/, '').toLowerCase();
  return name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
}

async function handle(wiki: WebWiki, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const started = performance.now();
  const trace = newTrace();
  let page: Page;
  if (!isLocalHost(req.headers.host)) {
    page = {
      status: 403,
      title: 'Forbidden',
      body: messagePage('Forbidden', 'This wiki answers only to localhost and 127.0.0.1.'),
    };
  } else if (
    req.method === 'POST' &&
    req.headers.origin &&
    !isLocalHost(hostOf(req.headers.origin))
  ) {
    page = {
      status: 403,
      title: 'Forbidden',
      body: messagePage('Forbidden', 'Forms of this wiki can only be sent from its own pages.'),
    };
  } else {
    page = await runTraced(trace, () => route(wiki, req)).catch((error: unknown) =>
      errorPage(error),
    );
  }
  const totalMs = performance.now() - started;
  const cache = cacheStatus(trace);
  const body = layout(page.title, page.body, {
    lesson: wiki.lesson,
    cache,
    cacheMs: trace.cacheMs,
    dbMs: trace.dbMs,
    status: wiki.status !== undefined,
  });
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-cache': cache,
    ...(cacheTier(trace) ? { 'x-cache-tier': cacheTier(trace) } : {}),
    'server-timing': serverTiming(trace, totalMs),
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'x-content-type-options': 'nosniff',
    ...page.headers,
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function errorPage(error: unknown): Page {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      title: error.heading,
      body: messagePage(error.heading, error.message),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 500,
    title: 'Something failed',
    body: messagePage(
      'Something failed',
      `The app threw: ${message}. Is the local stack (or your configured services) running? \`pnpm run doctor\` checks.`,
    ),
  };
}

function redirect(location: string): Page {
  return {
    status: 303,
    title: 'See other',
    body: html`<a href="${location}">Continue</a>`,
    headers: { location },
  };
}

async function route(wiki: WebWiki, req: IncomingMessage): Promise<Page> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeSegment);
  const method = req.method === 'HEAD' ? 'GET' : req.method;

  if (method === 'GET' && parts.length === 0) {
    const list = listPage(await wiki.listArticles());
    const [trending, activity] = await Promise.all([wiki.trending?.(5), wiki.recentActivity?.(10)]);
    return { status: 200, title: 'Articles', body: html`${homeExtras(trending, activity)}${list}` };
  }
  if (method === 'GET' && parts.length === 1 && parts[0] === 'tags' && wiki.taggedAll) {
    // The tag filter: /tags?tag=howto&tag=ops lists the articles carrying both.
    const tags = [...new Set(url.searchParams.getAll('tag').filter((tag) => tag.length > 0))];
    if (tags.length === 0 || tags.length > 10) {
      throw new HttpError(400, 'Bad request', 'Choose one to ten tags: /tags?tag=a&tag=b.');
    }
    return { status: 200, title: 'Tagged', body: taggedPage(tags, await wiki.taggedAll(tags)) };
  }
  if (method === 'GET' && parts.length === 1 && parts[0] === 'status' && wiki.status) {
    // Lesson 08 on: the lesson's own figures (hit ratio, memory, evictions), fresh each request.
    return { status: 200, title: 'Status', body: statusPage(await wiki.status()) };
  }
  if (method === 'GET' && parts.length === 1 && parts[0] === 'new') {
    return { status: 200, title: 'New article', body: articleForm('new', {}, [], '/articles') };
  }
  if (method === 'POST' && parts.length === 1 && parts[0] === 'articles') {
    return createArticle(wiki, await readForm(req));
  }
  if (parts[0] === 'articles' && parts.length >= 2) {
    const slug = parts[1] as string;
    const action = parts[2];
    if (method === 'GET' && parts.length === 2) return showArticle(wiki, slug, req);
    if (method === 'GET' && action === 'edit' && parts.length === 3) {
      const article = await found(wiki.getArticle(slug), slug);
      // Lesson 07: opening the form takes the article's edit lock, for this browser.
      const editor = readerOf(req);
      if (wiki.lockEdit && editor) {
        const lock = await wiki.lockEdit(slug, editor);
        if (!lock.locked) throw lockedError(slug);
      }
      return {
        status: 200,
        title: `Edit ${article.title}`,
        body: articleForm('edit', article, [], `/articles/${encodeURIComponent(slug)}`),
      };
    }
    if (method === 'POST' && parts.length === 2) {
      const editor = readerOf(req);
      if (wiki.lockEdit && wiki.unlockEdit && editor) {
        // Saving needs the lock: still ours, or free (it expired and nobody took it).
        const lock = await wiki.lockEdit(slug, editor);
        if (!lock.locked) throw lockedError(slug);
        try {
          return await updateArticle(wiki, slug, await readForm(req));
        } finally {
          await wiki.unlockEdit(slug, editor);
        }
      }
      return updateArticle(wiki, slug, await readForm(req));
    }
    if (method === 'POST' && action === 'delete' && parts.length === 3) {
      if (!(await wiki.deleteArticle(slug))) throw notFound(slug);
      return redirect('/');
    }
  }
  if (method !== 'GET' && method !== 'POST') {
    throw new HttpError(
      405,
      'Method not allowed',
      `${req.method} is not something this wiki does.`,
    );
  }
  throw new HttpError(404, 'Not found', `There is no page at ${url.pathname}.`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'Bad request', 'The address has a malformed %-escape.');
  }
}

/** The browser's reader id (lesson 06's cookie), if it has one. */
function readerOf(req: IncomingMessage): string | undefined {
  return /(?:^|;\s*)reader=([\w-]{1,64})/.exec(req.headers.cookie ?? '')?.[1];
}

function lockedError(slug: string): HttpError {
  return new HttpError(
    423,
    'Being edited',
    `Someone else is editing "${slug}" right now. Try again when they have saved (their lock expires on its own).`,
  );
}

function notFound(slug: string): HttpError {
  return new HttpError(
    404,
    'Not found',
    `There is no article "${slug}". It may have been deleted.`,
  );
}

async function found<T>(promise: Promise<T | null>, slug: string): Promise<T> {
  const value = await promise;
  if (value === null) throw notFound(slug);
  return value;
}

async function showArticle(wiki: WebWiki, slug: string, req: IncomingMessage): Promise<Page> {
  const article = await found(wiki.getArticle(slug), slug);
  const views = wiki.recordView ? await wiki.recordView(slug) : undefined;
  // Lesson 06: a reader is a browser, known by a random id in a cookie.
  const known = readerOf(req);
  const reader = known ?? randomUUID();
  const [tags, readers] = await Promise.all([
    wiki.tagsOf?.(slug),
    wiki.recordReader?.(slug, reader),
  ]);
  const headers: Record<string, string> =
    wiki.recordReader && !known
      ? { 'set-cookie': `reader=${reader}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000` }
      : {};
  return {
    status: 200,
    title: article.title,
    body: html`${articlePage(article, views)}${articleExtras(tags, readers)}`,
    headers,
  };
}

function validate(values: FormValues, mode: 'new' | 'edit'): string[] {
  const errors: string[] = [];
  const { slug = '', title = '', body = '', author = '' } = values;
  if (mode === 'new') {
    if (!SLUG.test(slug) || slug.length > LIMITS.slug) {
      errors.push(
        `The slug must be 1-${LIMITS.slug} lower-case letters, digits and dashes (no dash at either end).`,
      );
    }
    if (author.trim() === '') errors.push('Say who the author is.');
  }
  if (title.trim() === '') errors.push('The title cannot be empty.');
  else if (title.length > LIMITS.title)
    errors.push(`The title is longer than ${LIMITS.title} characters.`);
  if (body.length > LIMITS.body) errors.push(`The body is longer than ${LIMITS.body} characters.`);
  return errors;
}

async function createArticle(wiki: WebWiki, values: FormValues): Promise<Page> {
  const formPage = (status: number, errors: string[], headers?: Record<string, string>): Page => ({
    status,
    title: 'New article',
    body: articleForm('new', values, errors, '/articles'),
    headers,
  });
  const errors = validate(values, 'new');
  if (errors.length > 0) return formPage(422, errors);
  const author = (values.author ?? '').trim();
  if (wiki.limitCreate) {
    const decision = await wiki.limitCreate(author);
    if (!decision.allowed) {
      const seconds = decision.retryAfterSeconds;
      return formPage(
        429,
        [`${author} has created too many articles just now. Try again in ${seconds} s.`],
        { 'retry-after': String(seconds) },
      );
    }
  }
  try {
    const article = await wiki.createArticle({
      slug: values.slug as string,
      title: (values.title as string).trim(),
      body: values.body ?? '',
      author,
    });
    return redirect(`/articles/${encodeURIComponent(article.slug)}`);
  } catch (error) {
    if (error instanceof ArticleExistsError) {
      return formPage(409, [`An article with the slug "${values.slug}" already exists.`]);
    }
    throw error;
  }
}

async function updateArticle(wiki: WebWiki, slug: string, values: FormValues): Promise<Page> {
  const errors = validate(values, 'edit');
  if (errors.length > 0) {
    return {
      status: 422,
      title: 'Edit article',
      body: articleForm('edit', values, errors, `/articles/${encodeURIComponent(slug)}`),
    };
  }
  const title = (values.title as string).trim();
  await found(wiki.updateArticle(slug, { title, body: values.body ?? '' }), slug);
  return redirect(`/articles/${encodeURIComponent(slug)}`);
}

/** An urlencoded form body, refused past LIMITS.requestBytes (nothing is written then). */
async function readForm(req: IncomingMessage): Promise<FormValues> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new HttpError(
      415,
      'Unsupported form',
      'Send the form as application/x-www-form-urlencoded.',
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > LIMITS.requestBytes) {
      throw new HttpError(
        413,
        'Too large',
        `A form may carry at most ${LIMITS.requestBytes / 1024} KB.`,
      );
    }
    chunks.push(chunk);
  }
  const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  const values: FormValues = {};
  for (const field of ['slug', 'title', 'body', 'author'] as const) {
    const value = params.get(field);
    if (value !== null) values[field] = field === 'body' ? value.replace(/\r\n/g, '\n') : value;
  }
  return values;
}
