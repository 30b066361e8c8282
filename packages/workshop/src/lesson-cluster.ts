// The Valkey cluster of a lesson that needs one (lesson 10: `"workshop": { "cluster": true }` in
// its package.json), for `workshop lesson`. The lesson finds it through VALKEY_CLUSTER_URLS: the
// one set in the shell, else the cluster `pnpm stack --cluster` runs, else six nodes started on
// free ports for this run and stopped with it. Without Valkey installed there is no cluster
// (never a fake one): the lesson gets the reason in WORKSHOP_CLUSTER_UNAVAILABLE instead.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ClusterStartError,
  readClusterLock,
  startValkeyCluster,
  ValkeyMissingError,
} from './cluster.ts';

export const CLUSTER_URLS_VARIABLE = 'VALKEY_CLUSTER_URLS';

export interface LessonCluster {
  /** What the lesson's process gets in its environment. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Whether the app in `dir` declares that it runs on a Valkey cluster. */
export function needsCluster(dir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    return pkg.workshop?.cluster === true;
  } catch {
    return false;
  }
}

export async function clusterForLesson(
  dir: string,
  dataDir: string,
  onProgress: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LessonCluster | undefined> {
  if (!needsCluster(dir) || env[CLUSTER_URLS_VARIABLE]?.trim()) return undefined;
  const running = readClusterLock(join(dataDir, 'cluster'));
  if (running?.seeds) {
    onProgress(`using the Valkey cluster of \`pnpm stack --cluster\` (pid ${running.pid})`);
    return { env: { [CLUSTER_URLS_VARIABLE]: running.seeds.join(',') }, close: async () => {} };
  }
  try {
    const cluster = await startValkeyCluster({ port: 0, onProgress });
    return { env: { [CLUSTER_URLS_VARIABLE]: cluster.seeds.join(',') }, close: cluster.close };
  } catch (error) {
    if (error instanceof ValkeyMissingError || error instanceof ClusterStartError) {
      return { env: { WORKSHOP_CLUSTER_UNAVAILABLE: error.message }, close: async () => {} };
    }
    throw error;
  }
}
