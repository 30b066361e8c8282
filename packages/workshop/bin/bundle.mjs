// The CLI's TypeScript (src/ and the workspace packages it imports) as one esbuild bundle, built
// on the first run and again whenever one of its source files changes. Loading the sources
// through tsx's loader hooks instead cost every command 0.5-1 s of CPU before it did anything
// (every module, node_modules included, went through the hooks thread), and Node 20 cannot
// strip types itself. The bundle lives in packages/workshop/dist/ (git-ignored); a manifest
// lists every input with its size and mtime, so a source edit is never run from a stale bundle.
//
// Several CLI processes may start at once (a test suite, two terminals) and find no bundle: one
// builds (it holds dist/build.lock) and the others wait for its bundle, since esbuild on a busy
// machine takes a second of CPU each. Should two build anyway (a holder that died, one that took
// too long), each builds in a folder of its own and only then points the manifest at it (written
// aside, then renamed), so no process ever reads a half-written bundle or manifest; the last one
// wins, and the others' folders are removed later, once nothing can still be loading from them.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = dirname(PACKAGE);
// WORKSHOP_CLI_BUNDLE_DIR: elsewhere (the tests build into a temporary folder).
const DIST = process.env.WORKSHOP_CLI_BUNDLE_DIR
  ? resolve(process.env.WORKSHOP_CLI_BUNDLE_DIR)
  : join(PACKAGE, 'dist');
const MANIFEST = join(DIST, 'manifest.json');
const BUILD_LOCK = join(DIST, 'build.lock');
/** How long a process waits for another one's build before building its own. */
const BUILD_WAIT_MS = 60_000;
/** pnpm rewrites it on every install. */
const INSTALL_STATE = join(PACKAGES, '..', 'node_modules', '.modules.yaml');
/** Bump when the way the bundle is made changes: older bundles are then rebuilt. */
const FORMAT = 3;

/** Size and mtime: what changes when a file is edited, saved or checked out again. */
function fingerprint(file) {
  try {
    const stat = statSync(file);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

function editedSince(file, time) {
  try {
    return statSync(file).mtimeMs >= time;
  } catch {
    return true;
  }
}

/** The bundle's entry file URL, when the manifest's inputs are all unchanged. */
function upToDate() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
  if (manifest.format !== FORMAT || manifest.package !== PACKAGE) return undefined;
  for (const [file, print] of Object.entries(manifest.inputs)) {
    if (fingerprint(join(PACKAGES, file)) !== print) return undefined;
  }
  // In use now: build() removes old bundles by their folder's time, and a CLI started from this
  // one may still load its chunks after a later edit makes a new bundle.
  try {
    const now = new Date();
    utimesSync(join(DIST, manifest.dir), now, now);
  } catch {}
  return pathToFileURL(join(DIST, manifest.dir, 'main.js')).href;
}

/** `@workshop/<name>[/<sub>]` to the TypeScript source its package.json exports. */
function workspaceSource(specifier) {
  const [, , name, sub] = /^(@workshop\/)([^/]+)(?:\/(.+))?$/.exec(specifier) ?? [];
  if (!name) return undefined;
  const dir = join(PACKAGES, name === 'cli' ? 'workshop' : name);
  let target;
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    target = pkg.exports?.[sub ? `./${sub}` : '.'];
  } catch {
    return undefined;
  }
  if (target && typeof target === 'object') target = target.development ?? target.types;
  return typeof target === 'string' && target.endsWith('.ts') ? join(dir, target) : undefined;
}

/**
 * The esbuild that tsx is built on (tsx is how the CLI ran before, and how it still runs when
 * there is no bundle): one copy, at the version tsx was tested with, no dependency of our own.
 */
async function loadEsbuild() {
  const fromPackage = createRequire(join(PACKAGE, 'package.json'));
  const fromTsx = createRequire(fromPackage.resolve('tsx/package.json'));
  return import(pathToFileURL(fromTsx.resolve('esbuild')).href);
}

async function build() {
  const esbuild = await loadEsbuild();
  const started = Date.now();
  const plugin = {
    name: 'workshop-cli',
    setup(b) {
      // Workspace packages are bundled from their sources; every other package stays external,
      // imported by absolute URL from where the importing file would have found it.
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.path.startsWith('node:') || args.pluginData === 'inner') return undefined;
        const source = workspaceSource(args.path);
        if (source) return { path: source };
        if (args.path.startsWith('@workshop/')) return undefined;
        const found = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'inner',
        });
        if (found.errors.length > 0 || !found.path) return { external: true };
        // Libraries: an import the bundle does not use (the Valkey and Upstash clients of
        // @workshop/config, for a command that makes none) is dropped instead of loaded.
        return { path: pathToFileURL(found.path).href, external: true, sideEffects: false };
      });
      // import.meta.url and .dirname keep meaning the source file: the code finds its neighbours
      // (lesson-gate.ts, vitest-server.mjs, command-docs.json, the repo root) as before.
      b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        const code = readFileSync(args.path, 'utf8')
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)));
        return { contents: code, loader: 'ts' };
      });
    },
  };
  const dir = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const result = await esbuild.build({
    entryPoints: { main: join(PACKAGE, 'src', 'main.ts') },
    outdir: join(DIST, dir),
    bundle: true,
    splitting: true, // each command stays a chunk of its own, loaded only when it runs
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    absWorkingDir: PACKAGES,
    metafile: true,
    logLevel: 'silent',
    plugins: [plugin],
  });
  const inputs = {};
  const packageFiles = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = resolve(PACKAGES, input);
    const inPackages = relative(PACKAGES, file);
    if (inPackages.startsWith('..')) continue;
    // A file saved while esbuild ran may be in the bundle as it was before: never trust it.
    inputs[inPackages] = editedSince(file, started) ? 'edited during the build' : fingerprint(file);
    packageFiles.add(join(inPackages.split(/[\\/]/)[0], 'package.json'));
  }
  // A package's exports decide which file is bundled: a change there is a change too.
  for (const file of packageFiles) inputs[file] = fingerprint(join(PACKAGES, file));
  // And so is this file: how the bundle is made.
  inputs[relative(PACKAGES, fileURLToPath(import.meta.url))] = fingerprint(
    fileURLToPath(import.meta.url),
  );
  // Other packages are imported by their installed path: after a pnpm install (which rewrites
  // this file) a path may have moved, so the bundle is made again.
  inputs[relative(PACKAGES, INSTALL_STATE)] = fingerprint(INSTALL_STATE);
  const temp = `${MANIFEST}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temp, JSON.stringify({ format: FORMAT, package: PACKAGE, dir, inputs }));
  renameSync(temp, MANIFEST);
  // Older bundles, after a day: a long-running CLI (practice watch) may still load chunks of its
  // own. Another process may be removing the same ones: whatever is already gone is fine.
  for (const old of readdirSync(DIST)) {
    if (old === dir || old === 'manifest.json') continue;
    const path = join(DIST, old);
    try {
      if (Date.now() - statSync(path).mtimeMs > 86_400_000) {
        rmSync(path, { recursive: true, force: true });
      }
    } catch {}
  }
  return pathToFileURL(join(DIST, dir, 'main.js')).href;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM'; // alive, someone else's
  }
}

/**
 * Builds unless another process is building: then waits for its bundle. Holding the lock is only
 * a saving, never needed for safety (see the top of this file), so any doubt means build.
 */
async function buildOnce() {
  const deadline = Date.now() + BUILD_WAIT_MS;
  for (;;) {
    let fd;
    try {
      fd = openSync(BUILD_LOCK, 'wx');
    } catch (error) {
      if (error.code !== 'EEXIST') return build();
    }
    if (fd !== undefined) {
      writeSync(fd, String(process.pid));
      closeSync(fd);
      try {
        return upToDate() ?? (await build()); // built by the holder just before us, or now
      } finally {
        rmSync(BUILD_LOCK, { force: true });
      }
    }
    let holder = '';
    let age = 0;
    try {
      holder = readFileSync(BUILD_LOCK, 'utf8');
      age = Date.now() - statSync(BUILD_LOCK).mtimeMs;
    } catch {}
    // A holder that died (killed mid-build, Ctrl-C included) leaves its lock: take it over. So
    // is a lock older than any build (its pid reused since, or killed before it wrote its pid).
    if ((holder && !alive(Number(holder))) || age > BUILD_WAIT_MS) {
      rmSync(BUILD_LOCK, { force: true });
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const current = upToDate();
    if (current) return current;
    if (Date.now() > deadline) return build();
  }
}

/**
 * The CLI's entry as a JavaScript file URL, built if missing or stale; undefined when it cannot
 * be built (a syntax error mid-edit, a read-only folder): the caller runs the sources with tsx.
 */
export async function cliBundle() {
  if (process.env.WORKSHOP_CLI_TSX) return undefined; // the sources through tsx, for debugging
  const current = upToDate();
  if (current) return current;
  try {
    mkdirSync(DIST, { recursive: true });
    return await buildOnce();
  } catch {
    return undefined;
  }
}
