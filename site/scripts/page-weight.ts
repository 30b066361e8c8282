// What a learner's browser downloads for one page of the built site (run `pnpm build` first):
//
//   pnpm --filter @workshop/site page-weight                 # the first lesson page
//   pnpm --filter @workshop/site page-weight lessons/03-ttl-caching
//
// Counts the HTML, every script (inline and external, following static imports), stylesheets
// and images the page references; prints raw and gzip sizes. Search (Pagefind) loads only when
// the search box is opened, so it is reported apart.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');

interface Part {
  kind: 'html' | 'js' | 'css' | 'image';
  name: string;
  bytes: Buffer;
}

function readAsset(url: string): Buffer | null {
  const file = path.join(dist, decodeURIComponent(url.split(/[?#]/)[0] ?? ''));
  return existsSync(file) ? readFileSync(file) : null;
}

/** A script and the modules it imports statically (`import "./x.js"`, `from "./x.js"`). */
function scriptWithImports(url: string, seen: Set<string>, parts: Part[]): void {
  if (seen.has(url)) return;
  seen.add(url);
  const bytes = readAsset(url);
  if (!bytes) return;
  parts.push({ kind: 'js', name: url, bytes });
  const text = bytes.toString('utf8');
  for (const [, spec = ''] of text.matchAll(
    /(?:^|[;\s}])(?:import|from)\s*["']([^"']+\.js)["']/g,
  )) {
    scriptWithImports(new URL(spec, `http://site${url}`).pathname, seen, parts);
  }
}

function measure(pagePath: string): Part[] {
  const htmlFile = path.join(dist, pagePath, 'index.html');
  if (!existsSync(htmlFile)) {
    throw new Error(`${htmlFile} not found: run \`pnpm --filter @workshop/site build\` first.`);
  }
  const html = readFileSync(htmlFile);
  const text = html.toString('utf8');
  const parts: Part[] = [{ kind: 'html', name: `/${pagePath}/`, bytes: html }];
  const seen = new Set<string>();
  for (const [, src = ''] of text.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)) {
    scriptWithImports(src, seen, parts);
  }
  // Inline module scripts can import chunks too.
  for (const [, body = ''] of text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)) {
    for (const [, spec = ''] of body.matchAll(/(?:import|from)\s*["'](\/[^"']+\.js)["']/g)) {
      scriptWithImports(spec, seen, parts);
    }
  }
  for (const [, href = ''] of text.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)) {
    if (seen.has(href)) continue;
    seen.add(href);
    const bytes = readAsset(href);
    if (bytes) parts.push({ kind: 'css', name: href, bytes });
  }
  for (const [, src = ''] of text.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)) {
    if (seen.has(src)) continue;
    seen.add(src);
    const bytes = readAsset(src);
    if (bytes) parts.push({ kind: 'image', name: src, bytes });
  }
  return parts;
}

/** The inline scripts of the page, joined (what the HTML carries besides markup). */
function inlineScripts(html: string): Buffer {
  return Buffer.from(
    [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g)]
      .map(([, body = '']) => body)
      .join('\n'),
  );
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
const gz = (bytes: Buffer) => gzipSync(bytes, { level: 9 }).length;

function main(): void {
  const lessonsDist = path.join(dist, 'lessons');
  const first = existsSync(lessonsDist) ? readdirSync(lessonsDist).sort()[0] : undefined;
  const pagePath = process.argv[2] ?? (first ? `lessons/${first}` : '');
  const parts = measure(pagePath.replace(/^\/|\/$/g, ''));
  const html = parts[0]?.bytes.toString('utf8') ?? '';
  console.log(`Page /${pagePath}/ (built site in ${path.relative(process.cwd(), dist) || '.'})`);
  for (const kind of ['html', 'js', 'css', 'image'] as const) {
    const own = parts.filter((part) => part.kind === kind);
    const raw = own.reduce((sum, part) => sum + part.bytes.length, 0);
    const zipped = own.reduce((sum, part) => sum + gz(part.bytes), 0);
    console.log(
      `  ${kind.padEnd(6)} ${String(own.length).padStart(2)} file(s)  ${kb(raw).padStart(9)} raw  ${kb(zipped).padStart(9)} gzip`,
    );
  }
  const js = parts.filter((part) => part.kind === 'js');
  const jsGzip = js.reduce((sum, part) => sum + gz(part.bytes), 0);
  const inline = inlineScripts(html);
  console.log(
    `  JavaScript: ${kb(jsGzip)} gzip in files + ${kb(gz(inline))} gzip inline (${kb(inline.length)} raw, part of the html) = ${kb(jsGzip + gz(inline))} gzip`,
  );
  const total = parts.reduce((sum, part) => sum + gz(part.bytes), 0);
  console.log(`  Page weight (everything above, gzip): ${kb(total)}`);
  const pagefind = path.join(dist, 'pagefind');
  if (existsSync(pagefind)) {
    console.log(
      '  Search, loaded on first use: /pagefind/ (UI script + index chunks for the query)',
    );
  }
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
