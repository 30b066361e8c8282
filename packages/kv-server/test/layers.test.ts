// The layout of src/ is a promise about dependencies; this keeps it. Each layer imports only the
// layers below it:
//
//   protocol/ (+ limits.ts)  reply types, the RESP codec, the CommandBackend interface
//   engine/    forward/      the two backends; neither knows the other
//   rest/                    the HTTP surface: runs any CommandBackend, knows neither backend
//   resp/                    the TCP surface: one handler per backend (engine-handler.ts,
//                            forward-handler.ts), so it may import both
//   start.ts, cli.ts ...     pick a backend and start the surfaces
//
// The check reads every relative import (static, `export ... from`, dynamic) of every file.

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

type Layer = 'protocol' | 'engine' | 'forward' | 'rest' | 'resp' | 'start';

const MAY_IMPORT: Record<Layer, readonly Layer[]> = {
  protocol: [],
  engine: ['protocol'],
  forward: ['protocol'],
  rest: ['protocol'],
  resp: ['protocol', 'engine', 'forward'],
  start: ['protocol', 'engine', 'forward', 'rest', 'resp'],
};

const SRC = join(import.meta.dirname, '..', 'src');

/** The layer of a file, from its path relative to src/. */
function layerOf(path: string): Layer {
  const [top, ...rest] = path.split('/');
  if (rest.length === 0) return top === 'limits.ts' ? 'protocol' : 'start';
  if (top === 'protocol' || top === 'engine' || top === 'forward' || top === 'rest') return top;
  if (top === 'resp') return top;
  throw new Error(`src/${path}: a folder test/layers.test.ts does not know; give it a layer`);
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** `importer -> imported` for every import that goes against MAY_IMPORT. */
function violations(files: ReadonlyMap<string, string>): string[] {
  const out: string[] = [];
  for (const [path, source] of files) {
    const from = layerOf(path);
    for (const [, spec] of source.matchAll(IMPORT)) {
      const target = relative(SRC, resolve(SRC, dirname(path), spec!));
      if (target.startsWith('..')) {
        out.push(`src/${path} imports ${spec}, outside src/`);
        continue;
      }
      const to = layerOf(target);
      if (to !== from && !MAY_IMPORT[from].includes(to)) {
        out.push(`src/${path} (${from}) imports src/${target} (${to})`);
      }
    }
  }
  return out;
}

function sources(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sources(path, out);
    else if (entry.name.endsWith('.ts')) out.set(relative(SRC, path), readFileSync(path, 'utf8'));
  }
  return out;
}

describe('src/ layers', () => {
  const files = sources(SRC);

  it('every import points down (or within its own layer)', () => {
    const imports = [...files.values()].flatMap((s) => [...s.matchAll(IMPORT)]).length;
    expect(
      imports,
      'the import pattern found nothing: it no longer matches the code',
    ).toBeGreaterThan(200);
    expect(
      violations(files),
      'move the shared piece down to protocol/, or have start.ts pass it in',
    ).toEqual([]);
  });

  it('catches an upward or sideways import', () => {
    const bad = new Map([
      ['engine/x.ts', "import { ForwardBackend } from '../forward/backend.ts';"],
      ['forward/y.ts', "import type {\n  Reply,\n} from '../engine/reply.ts';"],
      ['rest/z.ts', "const m = await import('../resp/resp-server.ts');"],
      ['protocol/w.ts', "export { x } from '../engine/engine.ts';"],
      ['resp/ok.ts', "import { Engine } from '../engine/engine.ts';"],
      ['engine/ok.ts', "import { ok } from './commands/index.ts';"],
    ]);
    expect(violations(bad)).toEqual([
      'src/engine/x.ts (engine) imports src/forward/backend.ts (forward)',
      'src/forward/y.ts (forward) imports src/engine/reply.ts (engine)',
      'src/rest/z.ts (rest) imports src/resp/resp-server.ts (resp)',
      'src/protocol/w.ts (protocol) imports src/engine/engine.ts (engine)',
    ]);
  });
});
