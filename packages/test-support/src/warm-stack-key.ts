// What the global setup needs to know about practice watch's warm stack without loading it:
// warm-stack.ts brings kv-server, PGlite and pg, about 0.9 s of CPU per vitest project that
// would never use them (pnpm test, pnpm check, practice verify and every mutation's run).

/** The key the broker's address is provided under (see warm-stack-client.ts). */
export const WARM_STACK_KEY = 'workshopWarmStack';

/** practice watch's vitest sets it in its own process (vitest-server.mjs). */
export function warmStackRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.WORKSHOP_WARM_STACK === '1';
}
