// The test worker's side of warm-stack.ts: a stack checked out of practice watch's broker, when
// its global setup provided one (inject() gives undefined everywhere else: pnpm test, pnpm check).
import { createPool } from '@workshop/db';
import type pg from 'pg';
import { inject } from 'vitest';
import { configFor, type TestStack } from './test-stack.ts';
import type { WarmStackCheckout } from './warm-stack.ts';
import { WARM_STACK_KEY } from './warm-stack-key.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    [WARM_STACK_KEY]?: string;
  }
}

/** As test-stack.ts's: without Postgres, `pool` and `databaseUrl` are missing. */
type WarmStackState = Omit<TestStack, 'pool' | 'databaseUrl'> & {
  readonly pool: pg.Pool | undefined;
  readonly databaseUrl: string | undefined;
  close(): Promise<void>;
};

/** A warm stack for this test file, or undefined when this vitest has no broker. */
export async function checkoutWarmStack(
  withPostgres: boolean,
): Promise<WarmStackState | undefined> {
  const broker = inject(WARM_STACK_KEY);
  if (!broker) return undefined;
  const response = await fetch(`${broker}/checkout?postgres=${withPostgres ? 1 : 0}`, {
    method: 'POST',
  });
  const body = (await response.json()) as WarmStackCheckout & { error?: string };
  if (!response.ok) throw new Error(`The warm test stack failed to start: ${body.error}`);
  const config = configFor(body.databaseUrl, {
    databaseSource: 'embedded',
    upstash: { ...body.upstash, source: 'local' },
    valkeyUrl: body.valkeyUrl,
    valkeySource: 'local',
  });
  const pool = body.databaseUrl === undefined ? undefined : createPool(config);
  return {
    backend: 'embedded',
    pool,
    databaseUrl: body.databaseUrl,
    upstash: body.upstash,
    valkeyUrl: body.valkeyUrl,
    redisUrl: undefined,
    config,
    passTime: async (ms) => {
      const moved = await fetch(`${broker}/pass-time?id=${body.id}&ms=${ms}`, { method: 'POST' });
      if (!moved.ok) {
        const { error } = (await moved.json()) as { error?: string };
        throw new Error(`passTime(${ms}) on the warm test stack failed: ${error}`);
      }
    },
    close: async () => {
      await pool?.end().catch(() => {});
      await fetch(`${broker}/release?id=${body.id}`, { method: 'POST' });
    },
  };
}
