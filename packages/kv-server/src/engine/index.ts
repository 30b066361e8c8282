// The engine's public face: createEngine() builds an Engine with every command registered.

import { activeExpireHashFields } from './commands/hash-expiry.ts';
import { allCommands } from './commands/index.ts';
import { Engine, type EngineOptions } from './engine.ts';

export function createEngine(options: EngineOptions = {}): Engine {
  const engine = new Engine(options);
  engine.register(allCommands);
  // Each background expiry run also sweeps hash fields with a TTL (Redis 7.4's active field
  // expiry, see hash-expiry.ts): a hash whose last field expires disappears untouched.
  const keysCycle = engine.expiryCycle.bind(engine);
  engine.expiryCycle = (budget?: number) => keysCycle(budget) + activeExpireHashFields(engine);
  return engine;
}

export type { EngineOptions } from './engine.ts';
export { Engine, Session } from './engine.ts';
export { loadSnapshot, saveSnapshot } from './snapshot.ts';
