export { escapeHtml } from './html.ts';
export { type LessonWeb, startLessonWeb } from './lesson.ts';
export { instrumentPool, instrumentStore } from './request-context.ts';
export { LIMITS, startWebServer, type WebServer, type WebServerOptions } from './server.ts';
export type {
  ArticleInput,
  CreateWebWiki,
  LimitDecision,
  StatusSection,
  WebHooks,
  WebWiki,
} from './types.ts';
export { uncachedWiki } from './uncached.ts';
