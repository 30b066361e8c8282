// Optional persistence: the whole keyspace in one file, written atomically, read back at start.
//
// Format (text, one JSON value per line, so any byte survives: keys and values are latin1
// strings and JSON escapes what needs escaping):
//   {"format":"workshop-kv-snapshot","version":1,"savedAt":<ms>}
//   ["key","string value",<expiresAt ms or null>]
//   ["key",{"type":"hash","data":<Collection.toSnapshot()>},null]
//   {"end":true,"keys":<count>,"sha256":"<hex of every line above, newlines included>"}
// The trailer makes a truncated or edited file detectable: a corrupt snapshot stops the start
// with an error naming the file, it is never silently replaced by an empty store.

import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { type Collection, collectionRestorers, type Value } from './database.ts';
import type { Engine } from './engine.ts';

const FORMAT = 'workshop-kv-snapshot';
const VERSION = 1;

export class SnapshotError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(
      `The snapshot file ${file} cannot be read: ${reason}. Nothing was loaded. ` +
        'Restore a good copy, or move the file away to start with an empty store.',
    );
    this.name = 'SnapshotError';
  }
}

function encodeValue(value: Value): unknown {
  return typeof value === 'string' ? value : { type: value.typeName, data: value.toSnapshot() };
}

/**
 * Serialises the keyspace as it is now (synchronously, so the snapshot is one consistent point
 * in time), then writes it: temp file, fsync, rename over `file`, fsync of the directory.
 * Returns the number of keys written.
 */
export async function saveSnapshot(engine: Engine, file: string): Promise<number> {
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    const chunk = Buffer.from(pending.join(''), 'utf8');
    hash.update(chunk);
    chunks.push(chunk);
    pending = [];
    pendingLength = 0;
  };
  const line = (text: string) => {
    pending.push(text, '\n');
    pendingLength += text.length + 1;
    if (pendingLength > 1 << 20) flush();
  };

  line(JSON.stringify({ format: FORMAT, version: VERSION, savedAt: engine.db.now() }));
  let keys = 0;
  for (const [key, value, expiresAt] of engine.db.entries()) {
    line(JSON.stringify([key, encodeValue(value), expiresAt ?? null]));
    keys++;
  }
  flush();
  const trailer = `${JSON.stringify({ end: true, keys, sha256: hash.digest('hex') })}\n`;
  chunks.push(Buffer.from(trailer, 'utf8'));

  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const handle = await open(temp, 'w');
  try {
    for (const chunk of chunks) await handle.write(chunk);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, file);
  syncDirectory(dirname(file));
  return keys;
}

function syncDirectory(dir: string): void {
  // Makes the rename itself durable. Not every platform can fsync a directory: best effort.
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {}
}

/**
 * Loads `file` into `engine` (meant for a fresh engine at start). Returns the number of keys
 * loaded, or undefined when the file does not exist. Any other problem throws SnapshotError.
 * Keys whose expiry passed while the server was down are skipped.
 */
export function loadSnapshot(engine: Engine, file: string): number | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SnapshotError(file, (error as Error).message);
  }
  const fail = (reason: string): never => {
    throw new SnapshotError(file, reason);
  };

  // The trailer is the last line; everything before it is covered by its hash.
  if (bytes.length === 0 || bytes[bytes.length - 1] !== 0x0a)
    fail('it is truncated (no final line)');
  const trailerStart = bytes.lastIndexOf(0x0a, bytes.length - 2) + 1;
  const body = bytes.subarray(0, trailerStart);
  let trailer: { end?: unknown; keys?: unknown; sha256?: unknown };
  try {
    trailer = JSON.parse(bytes.toString('utf8', trailerStart));
  } catch {
    return fail('it is truncated or damaged (the last line is not its end marker)');
  }
  if (
    trailer.end !== true ||
    typeof trailer.keys !== 'number' ||
    typeof trailer.sha256 !== 'string'
  ) {
    fail('it is truncated or damaged (the last line is not its end marker)');
  }
  if (createHash('sha256').update(body).digest('hex') !== trailer.sha256) {
    fail('its checksum does not match its content (the file was damaged or edited)');
  }

  const lines = body.toString('utf8').split('\n');
  lines.pop(); // the empty string after the last newline
  const header = parseLine(lines[0], 1, fail) as { format?: unknown; version?: unknown };
  if (header?.format !== FORMAT) fail('it is not a kv-server snapshot');
  if (header.version !== VERSION)
    fail(`it has version ${String(header.version)}, this kv-server reads version ${VERSION}`);
  if (lines.length - 1 !== trailer.keys)
    fail(`it should hold ${String(trailer.keys)} keys but holds ${lines.length - 1}`);

  const now = engine.db.now();
  const restored: [string, Value, number | undefined][] = [];
  for (let i = 1; i < lines.length; i++) {
    const entry = parseLine(lines[i], i + 1, fail);
    if (!Array.isArray(entry) || entry.length !== 3 || typeof entry[0] !== 'string') {
      fail(`line ${i + 1} is not a [key, value, expiry] entry`);
    }
    const [key, raw, at] = entry as [string, unknown, unknown];
    if (at !== null && typeof at !== 'number') fail(`line ${i + 1} has a bad expiry`);
    const value = decodeValue(raw, i + 1, fail);
    const expiresAt = typeof at === 'number' ? at : undefined;
    if (expiresAt !== undefined && expiresAt <= now) continue;
    restored.push([key, value, expiresAt]);
  }
  // Only once every line is known good does anything enter the engine.
  for (const [key, value, expiresAt] of restored) engine.db.restore(key, value, expiresAt);
  return restored.length;
}

function parseLine(text: string | undefined, lineNo: number, fail: (r: string) => never): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return fail(`line ${lineNo} is not valid JSON`);
  }
}

function decodeValue(raw: unknown, lineNo: number, fail: (r: string) => never): Value {
  if (typeof raw === 'string') return raw;
  if (raw === null || typeof raw !== 'object') fail(`line ${lineNo} has a value of unknown form`);
  const { type, data } = raw as { type?: unknown; data?: unknown };
  const restore = collectionRestorers.get(type as Collection['typeName']);
  if (restore === undefined)
    fail(`line ${lineNo} holds a value of unknown type ${JSON.stringify(type)}`);
  try {
    const value = restore(data);
    if (value.size === 0) fail(`line ${lineNo} holds an empty ${String(type)}`);
    return value;
  } catch (error) {
    if (error instanceof SnapshotError) throw error;
    return fail(`line ${lineNo} holds a damaged ${String(type)} (${(error as Error).message})`);
  }
}
