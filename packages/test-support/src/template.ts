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
import { createTemplateDump, TEST_SEED_ARTICLE_COUNT } from '@workshop/db';
import { releasePidLock, takePidLock } from '@workshop/proc';

/** Cached, initialised + migrated + seeded database dumps, one per schema version. */
export const TEMPLATE_DIR = join(REPO_ROOT, '.data', 'test-template');

/**
 * Bumped when `createTemplateDump` changes how it builds the dump (2: 1 MB WAL segments; 3: the
 * tests' smaller seed, `TEST_SEED_ARTICLE_COUNT`; 4: no template0 or template1; 5: no WAL
 * segments made ahead).
 */
const TEMPLATE_FORMAT = '5';

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
          const dump = await createTemplateDump({ articles: TEST_SEED_ARTICLE_COUNT });
          const partial = `${file}.${process.pid}.partial`;
          writeFileSync(partial, dump);
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

/** The last template this process read, kept for the next test file of the same worker. */
let loaded: { file: string; bytes: Uint8Array } | undefined;

/**
 * The template, for `startEmbeddedPostgres({ template })`: read once per process, since every
 * database it starts copies it (10 MB).
 */
export async function loadEmbeddedTemplate(): Promise<Uint8Array> {
  const file = await ensureEmbeddedTemplate();
  if (loaded?.file !== file) loaded = { file, bytes: readFileSync(file) };
  return loaded.bytes;
}
