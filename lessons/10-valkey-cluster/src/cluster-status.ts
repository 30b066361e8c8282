// The `/status` page of `pnpm lesson 10 --web`: the cluster as it is now (nodes, roles, slot
// ranges, failed nodes), and which primary holds the cached hash of each of a few articles.

import type { StatusSection } from '@workshop/web';
import type { Cluster } from 'iovalkey';
import { articleHashKey } from './article-hash.ts';
import { clusterNodes, describeNode, keySlot, ownerOf } from './slots.ts';

export async function clusterStatus(cluster: Cluster, slugs: string[]): Promise<StatusSection[]> {
  const nodes = await clusterNodes(cluster);
  const state = /^cluster_state:(\w+)/m.exec(String(await cluster.cluster('INFO')))?.[1] ?? '?';
  const articles: [string, string][] = [];
  for (const slug of slugs) {
    const key = articleHashKey(slug);
    const slot = await keySlot(cluster, key);
    const owner = ownerOf(nodes, slot);
    articles.push([
      key,
      `slot ${slot}, on ${owner ? `${owner.host}:${owner.port}` : 'no live node'}`,
    ]);
  }
  return [
    {
      title: `The Valkey cluster (cluster_state:${state})`,
      rows: nodes.map((node) => [
        `${node.host}:${node.port}`,
        `${describeNode(node, nodes)}${node.failed ? ' (failed)' : ''}`,
      ]),
    },
    { title: 'Where the article keys live', rows: articles },
  ];
}
