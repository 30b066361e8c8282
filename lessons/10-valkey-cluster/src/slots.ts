// Where a key lives in a cluster. Every key belongs to one of 16384 hash slots (CRC16 of the
// key, modulo 16384), and every slot to one primary. CLUSTER KEYSLOT says a key's slot; CLUSTER
// NODES says which node owns which slots. A node asked about a key it does not own answers
// MOVED with the owner's address: that redirect is all a client needs to find its way.

import { connect } from 'node:net';
import type { Cluster } from 'iovalkey';

export interface ClusterNode {
  id: string;
  host: string;
  port: number;
  role: 'primary' | 'replica';
  /** A replica's primary (its id). */
  primaryId?: string;
  /** Slot ranges this primary owns, [first, last] inclusive. */
  slots: [number, number][];
  /** The others have marked it failed (or suspect it: `fail?`). */
  failed: boolean;
}

// #region keyslot
/** The slot of `key`, asked of the cluster (any node answers: it is only arithmetic). */
export async function keySlot(client: Cluster, key: string): Promise<number> {
  return Number(await client.cluster('KEYSLOT', key));
}
// #endregion keyslot

/** CLUSTER NODES, one line per node: "<id> <host:port@bus> <flags> <primary> ... <slots>". */
export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', address = '', flags = '', primaryId = '', , , , , ...slots] = line
        .trim()
        .split(' ');
      const [hostPort = ''] = address.split('@');
      const at = hostPort.lastIndexOf(':');
      const flagList = flags.split(',');
      return {
        id,
        host: hostPort.slice(0, at),
        port: Number(hostPort.slice(at + 1)),
        role: flagList.includes('slave') ? 'replica' : 'primary',
        primaryId: primaryId === '-' ? undefined : primaryId,
        // "[5461->-...]" entries are slots in migration: not owned yet.
        slots: slots
          .filter((range) => !range.startsWith('['))
          .map((range) => {
            const [first, last = first] = range.split('-').map(Number);
            return [first, last] as [number, number];
          }),
        failed: flagList.includes('fail') || flagList.includes('fail?'),
      } satisfies ClusterNode;
    })
    .sort((a, b) => a.port - b.port);
}

/** What the cluster says of itself now. */
export async function clusterNodes(client: Cluster): Promise<ClusterNode[]> {
  return parseClusterNodes(String(await client.cluster('NODES')));
}

/** The live primary that owns `slot`. */
export function ownerOf(nodes: ClusterNode[], slot: number): ClusterNode | undefined {
  return nodes.find(
    (node) =>
      node.role === 'primary' &&
      !node.failed &&
      node.slots.some(([first, last]) => slot >= first && slot <= last),
  );
}

/** "0-5460" for the table: a primary's ranges, or what a replica follows. */
export function describeNode(node: ClusterNode, nodes: ClusterNode[]): string {
  if (node.role === 'replica') {
    const primary = nodes.find((other) => other.id === node.primaryId);
    return `replica of ${primary?.port ?? '?'}`;
  }
  const ranges = node.slots.map(([first, last]) =>
    first === last ? `${first}` : `${first}-${last}`,
  );
  return `primary, slots ${ranges.join(' ') || 'none'}`;
}

// #region wire
/**
 * Sends one command to one node over a bare TCP socket, as RESP, and answers the raw reply
 * text: what is on the wire, with no client library to follow redirects for us.
 */
export function sendOnTheWire(host: string, port: number, args: string[]): Promise<string> {
  const request = `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.write(request));
    let reply = '';
    socket.setEncoding('utf8');
    socket.setTimeout(2000, () => socket.destroy(new Error(`no reply from ${host}:${port}`)));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (isWholeReply(reply)) {
        socket.end();
        resolve(reply);
      }
    });
    socket.on('error', reject);
  });
}
// #endregion wire

/** One whole RESP reply: a simple string, error or integer line, or a bulk string and its body. */
function isWholeReply(reply: string): boolean {
  const end = reply.indexOf('\r\n');
  if (end < 0) return false;
  if (reply[0] !== '$') return true;
  const length = Number(reply.slice(1, end));
  return length < 0 || Buffer.byteLength(reply) >= end + 2 + length + 2;
}
