// Server-rendered pages. Every value that came from a user or the database goes through
// `escapeHtml` (via the `html` tag), so an article body with `<script>` renders as text.

import type { Article, ArticleSummary } from '@workshop/db';
import type { StatusSection } from './types.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** Markup that is already safe (built by `html`), so it is not escaped twice. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = string | number | SafeHtml | null | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/** A template tag that escapes every interpolated value unless it is SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] as Part) + strings[i + 1];
  return new SafeHtml(out);
}

export interface PageFooter {
  lesson: number;
  cache: string;
  cacheMs: number;
  dbMs: number;
  /** The lesson has a `/status` page (WebWiki.status): the footer links to it. */
  status?: boolean;
}

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
a{color:#0b5cad}header{display:flex;gap:1rem;align-items:baseline;border-bottom:1px solid #ddd}
h1{font-size:1.4rem;margin:.5rem 0}table{border-collapse:collapse;width:100%}
td,th{padding:.3rem .5rem;border-bottom:1px solid #eee;text-align:left}
footer{margin-top:2rem;padding-top:.5rem;border-top:1px solid #ddd;color:#555;font-size:.9rem}
.error{background:#fde8e8;border:1px solid #e0a0a0;padding:.5rem}
.banner{background:#e8f6e8;border:1px solid #9c9;padding:.5rem}
label{display:block;margin-top:.7rem}input,textarea{width:100%;font:inherit}
pre.body{white-space:pre-wrap;font:inherit}`;

export function layout(title: string, body: SafeHtml, footer: PageFooter): string {
  const served =
    footer.cache === 'HIT'
      ? 'served from the cache'
      : footer.cache === 'BYPASS'
        ? 'the cache is unreachable: served from Postgres'
        : 'not in the cache: read from Postgres';
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · Team wiki</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>${new SafeHtml(STYLE)}</style></head>
<body><header><h1><a href="/">Team wiki</a></h1><a href="/new">New article</a></header>
<main>${body}</main>
<footer data-cache="${footer.cache}">Lesson ${String(footer.lesson).padStart(2, '0')} ·
<span class="cache">${footer.cache}</span>: ${served} · cache ${footer.cacheMs.toFixed(1)} ms ·
Postgres ${footer.dbMs.toFixed(1)} ms${footer.status ? html` · <a href="/status">status</a>` : ''}</footer></body></html>`
    .value;
}

export function listPage(articles: ArticleSummary[]): SafeHtml {
  return html`<h2>Latest articles</h2>
<table><thead><tr><th>Title</th><th>Author</th><th>Updated</th></tr></thead><tbody>
${articles.map(
  (a) =>
    html`<tr><td><a href="/articles/${encodeURIComponent(a.slug)}">${a.title}</a></td><td>${a.author}</td><td>${a.updatedAt.toISOString().slice(0, 16).replace('T', ' ')}</td></tr>\n`,
)}</tbody></table>`;
}

export function articlePage(
  article: Article,
  views: { views: number; milestone: number | null } | undefined,
): SafeHtml {
  const slug = encodeURIComponent(article.slug);
  return html`${
    views?.milestone
      ? html`<p class="banner" role="status">This article just reached ${views.milestone} views!</p>`
      : ''
  }<h2>${article.title}</h2>
<p>by ${article.author}${views ? html` · <span class="views">${views.views}</span> views` : ''}</p>
<pre class="body">${article.body}</pre>
<p><a href="/articles/${slug}/edit">Edit</a></p>
<form method="post" action="/articles/${slug}/delete"><button type="submit">Delete</button></form>`;
}

/** Lesson 06's additions to an article page: its tags (links to the tag filter) and readers. */
export function articleExtras(
  tags: string[] | undefined,
  readers: { exact: number; approximate: number } | undefined,
): SafeHtml {
  return html`${
    tags && tags.length > 0
      ? html`<p class="tags">Tags: ${tags.map((tag) => html`<a class="tag" href="/tags?tag=${encodeURIComponent(tag)}">${tag}</a> `)}</p>`
      : ''
  }${
    readers
      ? html`<p>Unique readers: <span class="readers">${readers.exact}</span> (a set), about <span class="readers-hll">${readers.approximate}</span> today (HyperLogLog)</p>`
      : ''
  }`;
}

/** Lesson 06's tag filter: the articles carrying every chosen tag (SINTER). */
export function taggedPage(tags: string[], slugs: string[]): SafeHtml {
  return html`<h2>Tagged ${tags.join(' and ')}</h2>
<p><span class="tagged-count">${slugs.length}</span> articles carry ${tags.length > 1 ? 'all of these tags' : 'this tag'}.</p>
<ul>${slugs.slice(0, 100).map(
    (slug) => html`<li><a href="/articles/${encodeURIComponent(slug)}">${slug}</a></li>
`,
  )}</ul>`;
}

/** Lesson 06's side lists on the home page: trending articles and recent activity. */
export function homeExtras(
  trending: { slug: string; score: number }[] | undefined,
  activity: { at: string; who: string; what: string; slug: string }[] | undefined,
): SafeHtml {
  return html`${
    trending
      ? html`<h2>Trending (last 24 hours)</h2><ol class="trending">${trending.map((t) => html`<li><a href="/articles/${encodeURIComponent(t.slug)}">${t.slug}</a> <small>${t.score.toFixed(2)}</small></li>`)}</ol>`
      : ''
  }${
    activity
      ? html`<h2>Recent activity</h2><ul class="activity">${activity.map((a) => html`<li>${a.at.slice(0, 16).replace('T', ' ')} ${a.who} ${a.what} <a href="/articles/${encodeURIComponent(a.slug)}">${a.slug}</a></li>`)}</ul>`
      : ''
  }`;
}

export interface FormValues {
  slug?: string;
  title?: string;
  body?: string;
  author?: string;
}

export function articleForm(
  mode: 'new' | 'edit',
  values: FormValues,
  errors: string[],
  action: string,
): SafeHtml {
  return html`<h2>${mode === 'new' ? 'New article' : `Edit ${values.title ?? ''}`}</h2>
${errors.length > 0 ? html`<div class="error" role="alert"><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
<form method="post" action="${action}">
${
  mode === 'new'
    ? html`<label>Slug <input name="slug" value="${values.slug ?? ''}" required pattern="[a-z0-9-]+"></label>
<label>Author <input name="author" value="${values.author ?? ''}" required></label>`
    : ''
}
<label>Title <input name="title" value="${values.title ?? ''}" required></label>
<label>Body <textarea name="body" rows="12">${values.body ?? ''}</textarea></label>
<p><button type="submit">${mode === 'new' ? 'Create' : 'Save'}</button></p>
</form>`;
}

/** The `/status` page: one table per section, values as the lesson wrote them. */
export function statusPage(sections: StatusSection[]): SafeHtml {
  return html`<h2>Status</h2>
${sections.map(
  (section) => html`<h3>${section.title}</h3>
<table class="status"><tbody>${section.rows.map(
    ([name, value]) => html`<tr><th scope="row">${name}</th><td>${value}</td></tr>`,
  )}</tbody></table>
`,
)}`;
}

export function messagePage(heading: string, text: string, link?: SafeHtml): SafeHtml {
  return html`<h2>${heading}</h2><p>${text}</p>${link ?? ''}`;
}
