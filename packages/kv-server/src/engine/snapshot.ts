// Optional persistence: the whole keyspace in one file, written atomically, read back at start.
//
// Binary format (keys and values are raw bytes, so anything survives, and a million keys load in
// about a second):
//   "WKVSNAP1"                                   8-byte magic and version
//   record*:  kind u8 (0 string, 1 collection)   flags u8 (1 = has expiry)
//             keyLength u32 BE, key bytes
//             valueLength u32 BE, value bytes    (collection: UTF-8 JSON {type, data})
//             expiresAt f64 BE                   (only with flag 1; ms since the epoch)
//   select:   2, db u8                           the records after it belong to database `db`
//             (none before the first: database 0, so files of the one-database versions load)
//   library:  3, codeLength u32 BE, code bytes   a FUNCTION library (as Redis keeps them in its
//             RDB; the EVAL script cache is not kept, as in Redis)
//   end:      0xFF, keyCount u32 BE, sha256 of every byte before the hash (32 bytes)
// The end marker and hash make a truncated or damaged file detectable: a corrupt snapshot stops
// the start with an error naming the file; it is never silently replaced by an empty store.

import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from '@workshop/proc';
import type { Collection, Value } from './database.ts';
import type { Engine } from './engine.ts';
import { collectionRestorers } from './restorers.ts';
import { libraryCodes, restoreLibraries } from './scripting/scripting.ts';

const MAGIC = Buffer.from('WKVSNAP1', 'latin1');
const KIND_STRING = 0;
const KIND_COLLECTION = 1;
const KIND_SELECT = 2;
const KIND_LIBRARY = 3;
const KIND_END = 0xff;
const FLAG_EXPIRY = 1;
const HASH_BYTES = 32;
const CHUNK_BYTES = 1 << 20;

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

/** Appends records to 1 MB chunks, hashing as it goes. */
class ChunkWriter {
  readonly chunks: Buffer[] = [];
  private readonly hash = createHash('sha256');
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private offset = 0;

  /** Room for `bytes` more bytes in the current chunk (a new chunk if needed). */
  reserve(bytes: number): void {
    if (this.offset + bytes <= this.chunk.length) return;
    this.seal();
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
  }

  u8(n: number): void {
    this.offset = this.chunk.writeUInt8(n, this.offset);
  }

  u32(n: number): void {
    this.offset = this.chunk.writeUInt32BE(n, this.offset);
  }

  f64(n: number): void {
    this.offset = this.chunk.writeDoubleBE(n, this.offset);
  }

  bytes(data: string | Buffer): void {
    if (typeof data === 'string') this.offset += this.chunk.write(data, this.offset, 'latin1');
    else this.offset += data.copy(this.chunk, this.offset);
  }

  /** Closes the last chunk and appends the hash of everything written. */
  finish(): Buffer[] {
    this.seal();
    this.chunks.push(this.hash.digest());
    return this.chunks;
  }

  private seal(): void {
    if (this.offset === 0) return;
    const done = this.chunk.subarray(0, this.offset);
    this.hash.update(done);
    this.chunks.push(done);
    this.offset = 0;
  }
}

/**
 * Serialises the keyspace as it is now (synchronously, so the snapshot is one consistent point
 * in time), then writes it: temp file, fsync, rename over `file`, fsync of the directory.
 * Returns the number of keys written.
 */
export async function saveSnapshot(engine: Engine, file: string): Promise<number> {
  // The data is captured now, synchronously; writes of the same file then happen one after the
  // other, in call order, so an older snapshot never lands over a newer one.
  const chunks = serialize(engine);
  const previous = writing.get(file) ?? Promise.resolve();
  const done = previous.catch(() => {}).then(() => writeAtomically(file, chunks.buffers));
  writing.set(file, done);
  try {
    await done;
  } finally {
    if (writing.get(file) === done) writing.delete(file);
  }
  return chunks.keys;
}

/** Saves in progress, per file. */
const writing = new Map<string, Promise<void>>();
let tempCounter = 0;

function serialize(engine: Engine): { buffers: Buffer[]; keys: number } {
  const out = new ChunkWriter();
  out.reserve(MAGIC.length);
  out.bytes(MAGIC);
  let keys = 0;
  for (const [index, db] of engine.databases.entries()) {
    if (index > 0) {
      if (db.size === 0) continue;
      out.reserve(2);
      out.u8(KIND_SELECT);
      out.u8(index);
    }
    for (const [key, value, expiresAt] of db.entries()) {
      const data =
        typeof value === 'string'
          ? value
          : Buffer.from(JSON.stringify({ type: value.typeName, data: value.toSnapshot() }), 'utf8');
      out.reserve(2 + 4 + key.length + 4 + data.length + 8);
      out.u8(typeof value === 'string' ? KIND_STRING : KIND_COLLECTION);
      out.u8(expiresAt === undefined ? 0 : FLAG_EXPIRY);
      out.u32(key.length);
      out.bytes(key);
      out.u32(data.length);
      out.bytes(data);
      if (expiresAt !== undefined) out.f64(expiresAt);
      keys++;
    }
  }
  for (const code of libraryCodes(engine)) {
    out.reserve(5 + code.length);
    out.u8(KIND_LIBRARY);
    out.u32(code.length);
    out.bytes(code);
  }
  out.reserve(5);
  out.u8(KIND_END);
  out.u32(keys);
  return { buffers: out.finish(), keys };
}

async function writeAtomically(file: string, chunks: Buffer[]): Promise<void> {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${++tempCounter}.tmp`);
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
 * loaded, or undefined when the file does not exist. Any other problem throws SnapshotError and
 * loads nothing. Keys whose expiry passed while the server was down are skipped.
 */
export function loadSnapshot(engine: Engine, file: string): number | undefined {
  removeStaleTempFiles(file);
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

  if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    fail('it is not a kv-server snapshot (or not one this version reads)');
  }
  if (bytes.length < MAGIC.length + 5 + HASH_BYTES) fail('it is truncated');
  const body = bytes.subarray(0, bytes.length - HASH_BYTES);
  const expected = bytes.subarray(bytes.length - HASH_BYTES);
  if (!createHash('sha256').update(body).digest().equals(expected)) {
    fail('its checksum does not match its content (the file is truncated or damaged)');
  }

  const now = engine.db.now();
  const restored: [number, string, Value, number | undefined][] = [];
  const libraries: Buffer[] = [];
  let dbIndex = 0;
  let pos = MAGIC.length;
  let count = 0;
  const need = (n: number) => {
    if (pos + n > body.length) fail(`record ${count + 1} runs past the end of the file`);
  };
  for (;;) {
    need(1);
    const kind = body.readUInt8(pos);
    if (kind === KIND_END) {
      need(5);
      const declared = body.readUInt32BE(pos + 1);
      if (declared !== count) fail(`it should hold ${declared} keys but holds ${count}`);
      if (pos + 5 !== body.length) fail('there are bytes after its end marker');
      break;
    }
    if (kind === KIND_LIBRARY) {
      need(5);
      const codeLength = body.readUInt32BE(pos + 1);
      pos += 5;
      need(codeLength);
      libraries.push(Buffer.from(body.subarray(pos, pos + codeLength)));
      pos += codeLength;
      continue;
    }
    if (kind === KIND_SELECT) {
      need(2);
      dbIndex = body.readUInt8(pos + 1);
      if (dbIndex >= engine.databases.length) {
        fail(
          `it selects database ${dbIndex}, beyond the ${engine.databases.length} this server has`,
        );
      }
      pos += 2;
      continue;
    }
    need(2 + 4);
    const flags = body.readUInt8(pos + 1);
    const keyLength = body.readUInt32BE(pos + 2);
    pos += 6;
    need(keyLength + 4);
    const key = body.toString('latin1', pos, pos + keyLength);
    pos += keyLength;
    const valueLength = body.readUInt32BE(pos);
    pos += 4;
    need(valueLength);
    let value: Value;
    if (kind === KIND_STRING) value = body.toString('latin1', pos, pos + valueLength);
    else if (kind === KIND_COLLECTION)
      value = decodeCollection(body.toString('utf8', pos, pos + valueLength), count + 1, fail);
    else return fail(`record ${count + 1} has an unknown kind ${kind}`);
    pos += valueLength;
    let expiresAt: number | undefined;
    if (flags & FLAG_EXPIRY) {
      need(8);
      expiresAt = body.readDoubleBE(pos);
      pos += 8;
    }
    count++;
    if (expiresAt !== undefined && expiresAt <= now) continue;
    restored.push([dbIndex, key, value, expiresAt]);
  }
  // Only once every record is known good does anything enter the engine.
  if (libraries.length > 0) {
    const failed = restoreLibraries(engine, libraries);
    if (failed !== undefined) fail(`a FUNCTION library in it does not load: ${failed}`);
  }
  for (const [index, key, value, expiresAt] of restored) {
    engine.databases[index]!.restore(key, value, expiresAt);
  }
  return restored.length;
}

/** Temp files of saves cut short (the process died mid-write) are deleted at the next start. */
function removeStaleTempFiles(file: string): void {
  const prefix = `.${basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (pid > 0 && pid !== process.pid && !isProcessAlive(pid)) {
      rmSync(join(dirname(file), name), { force: true });
    }
  }
}

function decodeCollection(json: string, record: number, fail: (r: string) => never): Collection {
  let parsed: { type?: unknown; data?: unknown };
  try {
    parsed = JSON.parse(json);
  } catch {
    return fail(`record ${record} holds damaged collection data`);
  }
  const restore = collectionRestorers.get(parsed.type as string);
  if (restore === undefined) {
    return fail(`record ${record} holds a value of unknown type ${JSON.stringify(parsed.type)}`);
  }
  let value: Collection;
  try {
    value = restore(parsed.data);
  } catch (error) {
    return fail(
      `record ${record} holds a damaged ${String(parsed.type)} (${(error as Error).message})`,
    );
  }
  if (value.size === 0) fail(`record ${record} holds an empty ${String(parsed.type)}`);
  return value;
}
