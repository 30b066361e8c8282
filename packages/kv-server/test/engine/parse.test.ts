import { describe, expect, it } from 'vitest';
import { globMatch } from '../../src/engine/glob.ts';
import {
  formatDouble,
  incrByFloat,
  parseDouble,
  parseInt64,
  parseInteger,
  parseStrtod,
} from '../../src/engine/parse.ts';
import type { CommandError } from '../../src/protocol/reply.ts';

describe('parseInt64 (Redis string2ll)', () => {
  it('accepts canonical int64 text only', () => {
    expect(parseInt64('0')).toBe(0n);
    expect(parseInt64('-9223372036854775808')).toBe(-(2n ** 63n));
    expect(parseInt64('9223372036854775807')).toBe(2n ** 63n - 1n);
    for (const bad of [
      '',
      '-',
      '+1',
      '01',
      '-0',
      ' 1',
      '1 ',
      '1.0',
      '9223372036854775808',
      '1e3',
      '0x1',
    ]) {
      expect(parseInt64(bad), bad).toBeUndefined();
    }
    expect(parseInteger('123')).toBe(123);
    expect(parseInteger('-9223372036854775808')).toBe(-(2 ** 63));
  });
});

describe('parseDouble (Redis strtod rules)', () => {
  it('accepts what strtod reads fully, refuses the rest', () => {
    expect(parseDouble('1.5')).toBe(1.5);
    expect(parseDouble('.5')).toBe(0.5);
    expect(parseDouble('5.')).toBe(5);
    expect(parseDouble('+1e3')).toBe(1000);
    expect(parseDouble('-inf')).toBe(-Infinity);
    expect(parseDouble('Infinity')).toBe(Infinity);
    expect(parseDouble('0x10')).toBe(16);
    expect(parseDouble('0x1.8p1')).toBe(3);
    expect(parseDouble('1e-320')).toBeCloseTo(1e-320);
    for (const bad of ['', ' 1', '1 ', 'nan', '1e', 'e1', '.', '1e400', '1e-400', 'abc', '1\0']) {
      expect(parseDouble(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});

describe('parseStrtod (score ranges: strtod with only the end check)', () => {
  it('reads like Redis 7.0 ZCOUNT does', () => {
    expect(parseStrtod('')).toBe(0);
    expect(parseStrtod(' 1')).toBe(1);
    expect(parseStrtod('1e400')).toBe(Infinity);
    expect(parseStrtod('-1e400')).toBe(-Infinity);
    expect(parseStrtod('0x3')).toBe(3);
    expect(parseStrtod('\x001')).toBe(0);
    expect(parseStrtod('2\0junk')).toBe(2);
    for (const bad of ['  ', '1 ', 'nan', 'x']) expect(parseStrtod(bad), bad).toBeUndefined();
  });
});

describe('formatDouble (Redis 7.0 addReplyDouble, %.17g)', () => {
  it('prints like Redis', () => {
    expect(formatDouble(0.1)).toBe('0.10000000000000001');
    expect(formatDouble(1.5)).toBe('1.5');
    expect(formatDouble(1e20)).toBe('1e+20');
    expect(formatDouble(1e-5)).toBe('1.0000000000000001e-05');
    expect(formatDouble(3)).toBe('3');
    expect(formatDouble(-0)).toBe('0');
    expect(formatDouble(1e16)).toBe('10000000000000000');
    expect(formatDouble(Infinity)).toBe('inf');
    expect(formatDouble(-Infinity)).toBe('-inf');
  });
});

describe('incrByFloat (long double arithmetic)', () => {
  it('matches the digits Redis prints', () => {
    expect(incrByFloat('0.1', '0.2')).toBe('0.3');
    expect(incrByFloat('10000000000', '0.1')).toBe('10000000000.09999999962747097');
    expect(incrByFloat(undefined, '2.5e-3')).toBe('0.0025');
    expect(incrByFloat('1', '1e-30')).toBe('1');
    expect(incrByFloat('100000000010000000000', '1')).toBe('100000000010000000000'); // 64-bit mantissa
    expect(incrByFloat('1000000000100000000', '1')).toBe('1000000000100000001');
  });

  it('fails with the Redis error texts', () => {
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as CommandError).reply.message;
      }
      return 'no error';
    };
    expect(message(() => incrByFloat('x', '1', 'ERR hash value is not a float'))).toBe(
      'ERR hash value is not a float',
    );
    expect(message(() => incrByFloat('1', 'x'))).toBe('ERR value is not a valid float');
    expect(message(() => incrByFloat('1', 'inf'))).toBe(
      'ERR increment would produce NaN or Infinity',
    );
  });
});

describe('globMatch (Redis stringmatchlen)', () => {
  it('handles *, ?, classes, ranges, negation and escapes', () => {
    const cases: [string, string, boolean][] = [
      ['*', '', true],
      ['h?llo', 'hello', true],
      ['h?llo', 'hllo', false],
      ['h*llo', 'hllo', true],
      ['h[ae]llo', 'hallo', true],
      ['h[ae]llo', 'hillo', false],
      ['h[^e]llo', 'hallo', true],
      ['h[^e]llo', 'hello', false],
      ['h[a-b]llo', 'hbllo', true],
      ['h[b-a]llo', 'hbllo', true],
      ['h\\*llo', 'h*llo', true],
      ['h\\*llo', 'hello', false],
      ['a*b*c', 'aXXbYYc', true],
      ['a*b*c', 'aXXbYY', false],
      ['[abc', 'a', true],
      ['', '', true],
      ['', 'a', false],
      ['ab\\', 'ab\\', true],
    ];
    for (const [pattern, subject, expected] of cases) {
      expect(globMatch(pattern, subject), `${pattern} ~ ${subject}`).toBe(expected);
    }
  });

  it('stays fast on patterns that backtrack badly', () => {
    // CPU time, not wall time: on a busy machine the process can wait longer than it works.
    const started = process.cpuUsage();
    expect(globMatch('a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(60))).toBe(false);
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(1000);
  });
});
