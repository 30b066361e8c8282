import { parseCommandArgs } from '../args.ts';
import { type LoadedStack, openStack, waitForStopSignal } from '../stack-session.ts';

export const help = `Usage: workshop stack   (pnpm stack)

Runs the local stack until Ctrl-C: embedded Postgres (PGlite over the Postgres protocol) and the
local kv-server (Upstash REST + Redis protocol), on the ports in .env.example. Services set in
.env (DATABASE_URL, UPSTASH_REDIS_REST_URL/_TOKEN, VALKEY_URL) are shown as real instead.
Data is kept in .data/ (WORKSHOP_DATA_DIR overrides it), so articles and keys survive a restart.

Environment: WORKSHOP_POSTGRES_PORT, WORKSHOP_REST_PORT, WORKSHOP_RESP_PORT override the ports.`;

export async function run(args: string[]): Promise<number> {
  parseCommandArgs(args, { command: 'workshop stack', help });
  // Listen for Ctrl-C from the start: one pressed during a (first, slow) start stops it cleanly.
  const stopSignal = waitForStopSignal();
  const stack: LoadedStack = await openStack();
  if (!stack.embedded) {
    console.log('Every service is a real one from .env: nothing to run locally.');
    return 0;
  }
  console.log('Press Ctrl-C to stop the local stack.');
  await stopSignal;
  await stack.stop();
  return 0;
}
