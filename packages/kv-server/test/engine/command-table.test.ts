// The one command table: what the engine checks (arity, write) must be what COMMAND reports, and
// for a command Redis 7.0 has, what Redis says (command-docs.json). A command added with the
// wrong arity or without `write` fails here.

import { describe, expect, it } from 'vitest';
import { itemsOf, redisMetadata, type Typed } from '../../src/engine/command-docs.ts';
import { createEngine } from '../../src/engine/index.ts';

const flagsOf = (info: Typed[]) =>
  itemsOf(info[2]).map((f) => (typeof f === 'object' && f !== null && '+' in f ? f['+'] : ''));

describe('command table', () => {
  const engine = createEngine();
  const meta = redisMetadata();
  const known = engine.commandNames().filter((name) => meta.info.has(name));

  it('covers most commands with Redis metadata', () => {
    expect(known.length).toBeGreaterThan(150);
  });

  it.each(known)('%s: arity and write flag as in Redis 7.0', (name) => {
    const spec = engine.command(name)!;
    const info = meta.info.get(name)!;
    expect(spec.arity, 'arity').toBe(info[1]);
    // A container (XGROUP, CONFIG ...) has its flags on each subcommand.
    if (itemsOf(info[9]).length > 0) return;
    expect(Boolean(spec.write), 'write').toBe(flagsOf(info).includes('write'));
  });
});
