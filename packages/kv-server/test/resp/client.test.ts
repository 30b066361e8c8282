// CLIENT over the RESP port in engine mode: the connection registry (LIST, INFO, KILL), names and
// library info, PAUSE, REPLY, and TRACKING's invalidation pushes (what node-redis's client-side
// caching relies on).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushReply, type Reply, VerbatimReply } from '../../src/protocol/reply.ts';
import { type Running, startEngine, TOKEN } from '../servers.ts';
import { RawClient, resp3Text } from './raw-client.ts';

let running: Running;
const opened: RawClient[] = [];

async function open(resp3 = false): Promise<RawClient> {
  const client = await RawClient.connect(running.server.respUrl as string);
  opened.push(client);
  if (resp3) await client.call('HELLO', '3');
  return client;
}

const text = (reply: Reply) =>
  reply instanceof VerbatimReply ? reply.text.toString() : (reply as Buffer).toString();

/** Waits until `client` received `count` pushes (or fails after a second). */
async function pushes(client: RawClient, count: number): Promise<Reply[]> {
  for (let i = 0; i < 100 && client.pushes.length < count; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return client.pushes.splice(0);
}

beforeAll(async () => {
  running = await startEngine();
});
afterAll(async () => {
  for (const c of opened) c.close();
  await running?.close();
});

describe('CLIENT', () => {
  it('ID, SETNAME, GETNAME, SETINFO, INFO and LIST in Redis 7.2 line format', async () => {
    const a = await open();
    const b = await open(true);
    const idA = (await a.call('CLIENT', 'ID')) as number;
    const idB = (await b.call('CLIENT', 'ID')) as number;
    expect(idB).toBeGreaterThan(idA);
    expect(await a.call('CLIENT', 'GETNAME')).toBeNull();
    expect(String(await a.call('CLIENT', 'SETNAME', 'worker-1'))).toBe('[object Object]');
    expect((await a.call('CLIENT', 'GETNAME'))?.toString()).toBe('worker-1');
    expect(resp3Text(await a.call('CLIENT', 'SETNAME', 'has space'))).toBe(
      '-ERR Client names cannot contain spaces, newlines or special characters.⏎',
    );
    await a.call('CLIENT', 'SETINFO', 'LIB-NAME', 'node-redis');
    await a.call('CLIENT', 'SETINFO', 'lib-ver', '5.0.0');
    expect(resp3Text(await a.call('CLIENT', 'SETINFO', 'color', 'x'))).toBe(
      "-ERR Unrecognized option 'color'⏎",
    );
    await a.call('SELECT', '4');
    const info = text(await a.call('CLIENT', 'INFO'));
    expect(info).toMatch(
      new RegExp(
        `^id=${idA} addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:\\d+ fd=\\d+ name=worker-1 age=\\d+ idle=0 flags=N db=4 sub=0 psub=0 ssub=0 multi=-1 qbuf=\\d+ qbuf-free=\\d+ argv-mem=\\d+ multi-mem=0 rbs=\\d+ rbp=\\d+ obl=0 oll=0 omem=0 tot-mem=\\d+ events=r cmd=client\\|info user=default redir=-1 resp=2 lib-name=node-redis lib-ver=5\\.0\\.0\\n$`,
      ),
    );
    // RESP3: CLIENT LIST is a verbatim string, one line per connection.
    const listed = await b.call('CLIENT', 'LIST');
    expect(listed).toBeInstanceOf(VerbatimReply);
    const lines = text(listed).trimEnd().split('\n');
    expect(lines.some((l) => l.startsWith(`id=${idA} `) && l.includes(' cmd=client|info '))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith(`id=${idB} `) && l.includes(' resp=3 '))).toBe(true);
    expect(text(await a.call('CLIENT', 'LIST', 'ID', String(idB)))).toMatch(
      new RegExp(`^id=${idB} [^\\n]*\\n$`),
    );
    // Only subscribed connections (another test's may still be open, in any order): not a or b.
    const pubsub = text(await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    for (const line of pubsub.split('\n').filter(Boolean)) {
      expect(line).toMatch(/ (sub|psub|ssub)=[1-9]/);
    }
    expect(pubsub).not.toMatch(new RegExp(`^id=(${idA}|${idB}) `, 'm'));
    expect(resp3Text(await a.call('CLIENT', 'LIST', 'TYPE', 'robot'))).toBe(
      "-ERR Unknown client type 'robot'⏎",
    );
  });

  it('KILL by ID, by ADDR (old form) and SKIPME', async () => {
    const killer = await open();
    const victim = await open();
    const other = await open();
    const victimId = await victim.call('CLIENT', 'ID');
    expect(await killer.call('CLIENT', 'KILL', 'ID', String(victimId))).toBe(1);
    await expect(victim.call('PING')).rejects.toThrow();
    const addr = text(await other.call('CLIENT', 'INFO')).match(/ addr=(\S+)/)![1]!;
    expect(resp3Text(await killer.call('CLIENT', 'KILL', addr))).toBe('+OK⏎');
    await expect(other.call('PING')).rejects.toThrow();
    expect(resp3Text(await killer.call('CLIENT', 'KILL', '1.2.3.4:5'))).toBe(
      '-ERR No such client⏎',
    );
    const myId = String(await killer.call('CLIENT', 'ID'));
    expect(await killer.call('CLIENT', 'KILL', 'ID', myId)).toBe(0);
    expect(await killer.call('CLIENT', 'KILL', 'ID', myId, 'SKIPME', 'no')).toBe(1);
    await expect(killer.call('PING')).rejects.toThrow();
  });

  it('PAUSE WRITE holds writes until UNPAUSE; reads go on', async () => {
    const admin = await open();
    const writer = await open();
    const reader = await open();
    await admin.call('CLIENT', 'PAUSE', '5000', 'WRITE');
    let written = false;
    const write = writer.call('SET', 'paused', '1').then((r) => {
      written = true;
      return r;
    });
    expect(await reader.call('GET', 'paused')).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(written).toBe(false);
    await admin.call('CLIENT', 'UNPAUSE');
    expect(resp3Text(await write)).toBe('+OK⏎');
    expect((await reader.call('GET', 'paused'))?.toString()).toBe('1');
  });

  it('PAUSE holds REST commands too: writes wait, reads go on, a client gone never runs', async () => {
    const admin = await open();
    const rest = (path: string, body: unknown, signal?: AbortSignal) =>
      fetch(`${running.server.restUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(body),
        signal,
      }).then((r) => r.json());
    await admin.call('CLIENT', 'PAUSE', '5000', 'WRITE');
    const finished: string[] = [];
    const track = <T>(what: string, reply: Promise<T>) =>
      reply.then((r) => {
        finished.push(what);
        return r;
      });
    const single = track('single', rest('/', ['SET', 'rest-paused', '1']));
    const pipeline = track(
      'pipeline',
      rest('/pipeline', [
        ['GET', 'rest-paused'],
        ['SADD', 'rest-paused-set', 'a'],
      ]),
    );
    const transaction = track('transaction', rest('/multi-exec', [['INCR', 'rest-paused-n']]));
    const aborted = new AbortController();
    const gone = rest('/', ['SET', 'rest-paused-gone', '1'], aborted.signal).catch(() => 'gone');
    // Reads, through the fast lane and the normal path, are not held.
    expect(await rest('/', ['GET', 'rest-paused'])).toEqual({ result: null });
    expect(await rest('/', ['SCARD', 'rest-paused-set'])).toEqual({ result: 0 });
    await new Promise((r) => setTimeout(r, 100));
    aborted.abort();
    expect(await gone).toBe('gone');
    await new Promise((r) => setTimeout(r, 50));
    expect(finished, 'nothing written over REST during CLIENT PAUSE WRITE').toEqual([]);
    await admin.call('CLIENT', 'UNPAUSE');
    expect(await single).toEqual({ result: 'OK' });
    // The pipeline's GET ran at once, before the pause ended; its SADD waited.
    expect(await pipeline).toEqual([{ result: null }, { result: 1 }]);
    expect(await transaction).toEqual([{ result: 1 }]);
    expect(await rest('/', ['GET', 'rest-paused-gone'])).toEqual({ result: null });
    expect(await rest('/', ['GET', 'rest-paused'])).toEqual({ result: '1' });
  });

  it('REPLY OFF, SKIP and ON', async () => {
    const c = await open();
    c.writeOnly([
      ['CLIENT', 'REPLY', 'OFF'],
      ['SET', 'r', '1'],
      ['CLIENT', 'REPLY', 'SKIP'],
      ['SET', 'r', '2'],
    ]);
    // SKIP dropped its own reply and SET r 2's: GET is the first to answer.
    expect((await c.call('GET', 'r'))?.toString()).toBe('2');
    expect(c.pushes).toEqual([]);
    c.writeOnly([['CLIENT', 'REPLY', 'OFF']]);
    expect(resp3Text(await c.call('CLIENT', 'REPLY', 'ON'))).toBe('+OK⏎');
  });
});

describe('CLIENT TRACKING', () => {
  it('default mode: a key read is invalidated once when another client changes it', async () => {
    const cache = await open(true);
    const writer = await open();
    expect(await cache.call('CLIENT', 'GETREDIR')).toBe(-1);
    await cache.call('CLIENT', 'TRACKING', 'ON');
    expect(await cache.call('CLIENT', 'GETREDIR')).toBe(0);
    await writer.call('SET', 'tracked', '1');
    await cache.call('GET', 'tracked');
    await writer.call('SET', 'tracked', '2');
    await writer.call('SET', 'tracked', '3');
    const got = await pushes(cache, 1);
    expect(got).toHaveLength(1);
    expect(got[0]).toBeInstanceOf(PushReply);
    expect(resp3Text(got[0]!)).toBe('>2⏎$10⏎invalidate⏎*1⏎$7⏎tracked⏎');
    expect(resp3Text(await cache.call('CLIENT', 'TRACKINGINFO'))).toBe(
      '%3⏎$5⏎flags⏎~1⏎$2⏎on⏎$8⏎redirect⏎:0⏎$8⏎prefixes⏎*0⏎',
    );
    await writer.call('FLUSHALL');
    expect(resp3Text((await pushes(cache, 1))[0]!)).toBe('>2⏎$10⏎invalidate⏎_⏎');
    await cache.call('CLIENT', 'TRACKING', 'OFF');
  });

  it('BCAST with a prefix, NOLOOP, and OPTIN with CACHING yes', async () => {
    const cache = await open(true);
    const writer = await open();
    expect(resp3Text(await cache.call('CLIENT', 'TRACKING', 'ON', 'PREFIX', 'user:'))).toBe(
      '-ERR PREFIX option requires BCAST mode to be enabled⏎',
    );
    await cache.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'user:', 'NOLOOP');
    await writer.call('SET', 'user:1', 'x');
    await writer.call('SET', 'other', 'x');
    await cache.call('SET', 'user:2', 'mine');
    const got = await pushes(cache, 1);
    expect(got.map(resp3Text)).toEqual(['>2⏎$10⏎invalidate⏎*1⏎$6⏎user:1⏎']);
    await cache.call('CLIENT', 'TRACKING', 'OFF');

    await cache.call('CLIENT', 'TRACKING', 'ON', 'OPTIN');
    await cache.call('GET', 'not-cached');
    await cache.call('CLIENT', 'CACHING', 'YES');
    await cache.call('GET', 'cached');
    await writer.call('SET', 'not-cached', '1');
    await writer.call('SET', 'cached', '1');
    expect((await pushes(cache, 1)).map(resp3Text)).toEqual(['>2⏎$10⏎invalidate⏎*1⏎$6⏎cached⏎']);
    expect(resp3Text(await cache.call('CLIENT', 'CACHING', 'NO'))).toBe(
      '-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.⏎',
    );
  });

  it('keys read inside MULTI/EXEC are tracked too', async () => {
    const cache = await open(true);
    const writer = await open();
    await cache.call('CLIENT', 'TRACKING', 'ON');
    await cache.call('MULTI');
    await cache.call('GET', 'in-multi');
    await cache.call('HGETALL', 'hash-in-multi');
    await cache.call('EXEC');
    await writer.call('SET', 'in-multi', '1');
    await writer.call('HSET', 'hash-in-multi', 'f', 'v');
    const got = (await pushes(cache, 2)).map(resp3Text).sort();
    expect(got).toEqual([
      '>2⏎$10⏎invalidate⏎*1⏎$13⏎hash-in-multi⏎',
      '>2⏎$10⏎invalidate⏎*1⏎$8⏎in-multi⏎',
    ]);
    await cache.call('CLIENT', 'TRACKING', 'OFF');
  });

  it('REDIRECT to a RESP2 connection subscribed to __redis__:invalidate', async () => {
    const listener = await open();
    const cache = await open();
    const writer = await open();
    const listenerId = String(await listener.call('CLIENT', 'ID'));
    await listener.call('SUBSCRIBE', '__redis__:invalidate');
    await cache.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', listenerId);
    expect(String(await cache.call('CLIENT', 'GETREDIR'))).toBe(listenerId);
    await cache.call('GET', 'redirected');
    await writer.call('DEL', 'redirected');
    await writer.call('SET', 'redirected', '1');
    const got = await pushes(listener, 1);
    expect(got.map(resp3Text)).toEqual([
      '*3⏎$7⏎message⏎$20⏎__redis__:invalidate⏎*1⏎$10⏎redirected⏎',
    ]);
  });
});
