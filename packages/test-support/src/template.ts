import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '@workshop/config';
import { createTemplateDump } from '@workshop/db';
import { releasePidLock, takePidLock } from '@workshop/proc';

/** Cached, initialised + migrated + seeded database dumps, one per schema version. */
export const TEMPLATE_DIR = join(REPO_ROOT, '.data', 'test-template');

/** Bumped when `createTemplateDump` changes how it builds the dump (2: 1 MB WAL segments). */
const TEMPLATE_FORMAT = '2';

/**
 * Identifies the schema and seed: a hash of their source, of the PGlite version and of the dump's
 * format. A change to any builds a new template; older ones are deleted.
 */
export function templateKey(): string {
  const require = createRequire(join(REPO_ROOT, 'packages', 'db', 'package.json'));
  // The package's exports hide its package.json: find it next to its entry point.
  const entry = require.resolve('@electric-sql/pglite');
  const pglite = JSON.parse(
    readFileSync(join(dirname(dirname(entry)), 'package.json'), 'utf8'),
  ) as {
    version: string;
  };
  return createHash('sha256')
    .update(readFileSync(join(REPO_ROOT, 'packages', 'db', 'src', 'schema.ts')))
    .update(pglite.version)
    .update(TEMPLATE_FORMAT)
    .digest('hex')
    .slice(0, 16);
}

export function templateFile(key = templateKey()): string {
  return join(TEMPLATE_DIR, `${key}.tar`);
}

/**
 * Makes sure the embedded template exists, building it once (~6 s) when missing. Workers and
 * parallel runs coordinate through a lock file; the dump is written aside and renamed, so a
 * reader never sees half a file.
 */
export async function ensureEmbeddedTemplate(): Promise<string> {
  const key = templateKey();
  const file = templateFile(key);
  if (existsSync(file)) return file;
  mkdirSync(TEMPLATE_DIR, { recursive: true });
  const lock = `${file}.lock`;
  const deadline = Date.now() + 120_000;
  while (!existsSync(file)) {
    if (takePidLock(lock, {}) === undefined) {
      try {
        if (!existsSync(file)) {
          const dump = await createTemplateDump();
          const partial = `${file}.${process.pid}.partial`;
          writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
          renameSync(partial, file);
          for (const old of readdirSync(TEMPLATE_DIR)) {
            if (!old.startsWith(key)) rmSync(join(TEMPLATE_DIR, old), { force: true });
          }
        }
      } finally {
        releasePidLock(lock);
      }
    } else {
      if (Date.now() > deadline) {
        throw new Error(
          `Timed out waiting for the test template (lock ${lock}): delete it and retry.`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return file;
}

/**
 * A Blob over bytes this process already holds, for PGlite's `loadDataDir`, which reads the whole
 * template once, with `arrayBuffer()`: this one hands over the bytes it wraps. A Blob backed by
 * the file (`openAsBlob`) reads it in 64 KB chunks and joins them, 0.2-0.3 s of CPU per test
 * file's database for the 33 MB template on a 2-core machine; one made from a Buffer copies it in
 * and out again. PGlite only copies out of the bytes, so one copy serves every file of a worker.
 * Its other ways of reading throw rather than pass for an empty Blob.
 */
class TemplateBlob extends Blob {
  readonly #bytes: ArrayBuffer;
  constructor(bytes: ArrayBuffer) {
    super([], { type: 'application/x-tar' });
    this.#bytes = bytes;
    // Blob's size is a getter of its prototype (a readonly property in its TypeScript type).
    Object.defineProperty(this, 'size', { value: bytes.byteLength });
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.#bytes);
  }
  override bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return Promise.resolve(new Uint8Array(this.#bytes));
  }
  override slice(): Blob {
    throw new Error('TemplateBlob: only arrayBuffer() and bytes() read it (template.ts).');
  }
  override stream(): ReturnType<Blob['stream']> {
    throw new Error('TemplateBlob: only arrayBuffer() and bytes() read it (template.ts).');
  }
  override text(): Promise<string> {
    throw new Error('TemplateBlob: only arrayBuffer() and bytes() read it (template.ts).');
  }
}

/** The last template this process read, kept for the next test file of the same worker. */
let loaded: { file: string; bytes: ArrayBuffer } | undefined;

/** The template, ready for `startEmbeddedPostgres({ template })`: read once per process. */
export async function loadEmbeddedTemplate(): Promise<Blob> {
  const file = await ensureEmbeddedTemplate();
  if (loaded?.file !== file) {
    const buffer = readFileSync(file);
    // A file this size has an ArrayBuffer of its own; slice only if Node ever shares one.
    const whole = buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength;
    const bytes = whole
      ? (buffer.buffer as ArrayBuffer)
      : buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);
    loaded = { file, bytes: bytes as ArrayBuffer };
  }
  return new TemplateBlob(loaded.bytes);
}
