// How `workshop lesson` finds lesson 10's cluster: only for a lesson that asks for one; the
// shell's VALKEY_CLUSTER_URLS first; without Valkey installed, the reason instead of a cluster.
// (Starting a real one is covered by cluster.test.ts and lesson 10's own checkpoints.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterForLesson, needsCluster } from '../src/lesson-cluster.ts';
import { REPO_ROOT, stopLeftovers, temporaryFolder } from './cli.ts';

afterEach(stopLeftovers);

function lessonFolder(pkg: object): string {
  const dir = temporaryFolder('workshop-lesson-');
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  return dir;
}

describe('the cluster of a lesson', () => {
  it('is wanted by lesson 10 only', () => {
    expect(needsCluster(join(REPO_ROOT, 'lessons/10-valkey-cluster'))).toBe(true);
    expect(needsCluster(join(REPO_ROOT, 'lessons/05-valkey-swap'))).toBe(false);
    expect(needsCluster(temporaryFolder('workshop-empty-'))).toBe(false);
  });

  it('is not started for a lesson that does not ask, nor when the shell names one', async () => {
    const data = temporaryFolder('workshop-data-');
    const none = lessonFolder({ name: 'x' });
    expect(await clusterForLesson(none, data, () => {}, {})).toBeUndefined();
    const wants = lessonFolder({ workshop: { cluster: true } });
    const env = { VALKEY_CLUSTER_URLS: 'redis://127.0.0.1:7101' };
    expect(await clusterForLesson(wants, data, () => {}, env)).toBeUndefined();
  });

  it('gives the lesson the reason, not a cluster, when valkey-server is missing', async () => {
    const wants = lessonFolder({ workshop: { cluster: true } });
    const path = process.env.PATH;
    process.env.PATH = temporaryFolder('empty-path-');
    try {
      const cluster = await clusterForLesson(
        wants,
        temporaryFolder('workshop-data-'),
        () => {},
        {},
      );
      expect(cluster?.env.VALKEY_CLUSTER_URLS).toBeUndefined();
      expect(cluster?.env.WORKSHOP_CLUSTER_UNAVAILABLE).toMatch(
        /^valkey-server and valkey-cli are not installed .*brew install valkey/,
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
