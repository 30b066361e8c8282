// What every command needs to know first: the repo, the data folder, the configuration, the ports.
import { join } from 'node:path';
import type { WorkshopConfig } from '@workshop/config';
import type { StackPorts } from './ports.ts';
import { dataDir, findRepoRoot } from './workspace.ts';

export interface WorkshopContext {
  root: string;
  dataDir: string;
  envFile: string;
  config: WorkshopConfig;
  ports: StackPorts;
  token: string;
}

/** A problem the learner can fix: printed as is, exit code 1, no stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}

export async function loadContext(env: NodeJS.ProcessEnv = process.env): Promise<WorkshopContext> {
  const root = findRepoRoot(env);
  const { loadConfig, loadLocalPorts, ConfigError, LOCAL_STACK, localStackToken } = await import(
    '@workshop/config'
  );
  const envFile = join(root, '.env');
  try {
    return {
      root,
      dataDir: dataDir(root, env),
      envFile,
      config: loadConfig(env, { envFile }),
      ports: { host: LOCAL_STACK.host, ...loadLocalPorts(env, { envFile }) },
      // Random, made on first use and kept in .data/kv-token: never a published one.
      token: localStackToken(),
    };
  } catch (error) {
    if (error instanceof ConfigError) throw new UserError(error.message);
    throw error;
  }
}
