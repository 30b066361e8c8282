// dumpWithout() cuts files out of a data-folder dump (a ustar archive): checked against GNU tar,
// which must still read what is left, byte for byte.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dumpWithout } from '../src/template-fs.ts';

const dir = mkdtempSync(join(tmpdir(), 'dump-without-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function archive(files: Record<string, string>): Uint8Array {
  const root = join(dir, `src-${Object.keys(files).length}`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const tar = join(dir, 'in.tar');
  execFileSync('tar', ['--format=ustar', '-cf', tar, '-C', root, ...Object.keys(files)]);
  return readFileSync(tar);
}

function contents(bytes: Uint8Array): Record<string, string> {
  const tar = join(dir, 'out.tar');
  writeFileSync(tar, bytes);
  const names = execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return Object.fromEntries(
    names
      .filter((name) => !name.endsWith('/'))
      .map((name) => [name, execFileSync('tar', ['-xOf', tar, name], { encoding: 'utf8' })]),
  );
}

describe('dumpWithout', () => {
  it('leaves out the files it is told to, and keeps every other byte for byte', () => {
    const files = {
      PG_VERSION: '17\n',
      'pg_wal/000000010000000000000009': 'a'.repeat(1500),
      'pg_wal/00000001000000000000000A': 'b'.repeat(512),
      'base/5/1259': 'c'.repeat(700),
    };
    const out = dumpWithout(archive(files), (path) => path === 'pg_wal/00000001000000000000000A');
    const { 'pg_wal/00000001000000000000000A': _dropped, ...rest } = files;
    expect(contents(out)).toEqual(rest);
  });

  it('refuses bytes that are not a dump', () => {
    expect(() => dumpWithout(new Uint8Array(2048), () => false)).toThrow(/Not a data-folder dump/);
  });
});
