import { describe, expect, it } from 'vitest';
import { commandName } from '../../src/engine/command-name.ts';

describe('commandName', () => {
  it('is exactly toString(latin1).toLowerCase(), cached or not, for every case and byte', () => {
    const names = ['SET', 'set', 'SeT', 'get', 'GET', 'mset', 'CLIENT', 'xautoclaim', ''];
    // Latin1 capitals toLowerCase changes (not only A-Z), junk bytes, a name past the cache.
    names.push('\xc9CHO', '\xe9cho', 'ab\x00c', '\xff\xfe', 'x'.repeat(40), 'A'.repeat(24));
    for (let round = 0; round < 3; round++) {
      for (const name of names) {
        const buf = Buffer.from(name, 'latin1');
        expect(commandName(buf)).toBe(buf.toString('latin1').toLowerCase());
      }
    }
  });

  it('stays exact when many names compete for its fixed slots', () => {
    for (let i = 0; i < 5000; i++) {
      const buf = Buffer.from(`Cmd${i.toString(36)}`, 'latin1');
      expect(commandName(buf)).toBe(`cmd${i.toString(36)}`);
      expect(commandName(Buffer.from('GeT'))).toBe('get');
    }
  });
});
