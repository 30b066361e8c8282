// Every command family the engine implements. Each file exports a `CommandSpec[]`.
import type { CommandSpec } from '../engine.ts';

export const allCommands: CommandSpec[] = [];
