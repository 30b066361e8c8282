// Every command's own options go through node:util's parseArgs, strictly: an unknown option or a
// stray argument is a one-line error with the command's usage, never silently ignored.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UserError } from './context.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(
  args: string[],
  spec: { command: string; help: string; options?: O; positionals?: number },
) {
  const fail = (message: string) =>
    new UserError(`${spec.command}: ${message}\n${spec.help.split('\n')[0]}  (--help for more)`);
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options: spec.options ?? ({} as O), allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // parseArgs explains how to pass a positional that starts with '-': not our learners' case.
    const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
    throw fail(unknown ? `unknown option ${unknown}` : message);
  }
  const max = spec.positionals ?? 0;
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals.slice(max).join(' ');
    throw fail(max === 0 ? `takes no arguments (got ${extra})` : `unexpected argument ${extra}`);
  }
  return parsed;
}
