// Bitmaps, engine vs real Redis 7.0: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO,
// every error text, ranges in BYTE and BIT units, and seeded random sequences at odd offsets.
// (BITOP DIFF/DIFF1/ANDOR/ONE are Redis 8.2's: Redis 7.0 answers a syntax error, so they are
// covered by the engine tests instead.)

import { it } from 'vitest';
import { int, pick, type Rng, seededRng } from './generators-shared.ts';
import { type Arg, describeDifferential, type Step, useDifferential } from './harness.ts';

const diff = useDifferential();

const KEYS = ['b1', 'b2', 'b3', 'str', 'list'];

function offset(rng: Rng): number {
  return pick(rng, [int(rng, 0, 40), int(rng, 0, 300), int(rng, 0, 5000), 7, 8, 63, 64, 65]);
}

function index(rng: Rng): string {
  return String(pick(rng, [int(rng, -20, 20), int(rng, -400, 400), -1, 0]));
}

function randomBitStep(rng: Rng): Step {
  const key = pick(rng, KEYS);
  const unit = (): Arg[] => pick(rng, [[], ['BYTE'], ['BIT'], ['bit']]);
  const type = () => `${pick(rng, ['i', 'u'])}${int(rng, 1, 63)}`;
  const off = () => (rng() < 0.2 ? `#${int(rng, 0, 20)}` : String(offset(rng)));
  const value = () => String(pick(rng, [int(rng, -300, 300), int(rng, -1e9, 1e9), 0, -1]));
  switch (int(rng, 0, 9)) {
    case 0:
    case 1:
      return { cmd: ['SETBIT', key, offset(rng), pick(rng, ['0', '1'])] };
    case 2:
      return { cmd: ['GETBIT', key, offset(rng)] };
    case 3:
      return {
        cmd: ['BITCOUNT', key, ...(rng() < 0.2 ? [] : [index(rng), index(rng), ...unit()])],
      };
    case 4: {
      const extra: Arg[] =
        rng() < 0.3 ? [] : rng() < 0.5 ? [index(rng)] : [index(rng), index(rng), ...unit()];
      return { cmd: ['BITPOS', key, pick(rng, ['0', '1']), ...extra] };
    }
    case 5: {
      const op = pick(rng, ['AND', 'OR', 'XOR', 'NOT']);
      const sources = op === 'NOT' ? [pick(rng, KEYS)] : [pick(rng, KEYS), pick(rng, KEYS)];
      return { cmd: ['BITOP', op, pick(rng, KEYS), ...sources] };
    }
    case 6:
    case 7: {
      const ops: Arg[] = [];
      for (let n = int(rng, 1, 4); n > 0; n--) {
        const what = int(rng, 0, 3);
        if (what === 0) ops.push('GET', type(), off());
        else if (what === 1) ops.push('SET', type(), off(), value());
        else if (what === 2) ops.push('INCRBY', type(), off(), value());
        else ops.push('OVERFLOW', pick(rng, ['WRAP', 'SAT', 'FAIL']));
      }
      return { cmd: ['BITFIELD', key, ...ops] };
    }
    case 8:
      return { cmd: ['BITFIELD_RO', key, 'GET', type(), off()] };
    default:
      return { cmd: ['GET', key] };
  }
}

describeDifferential('differential: bitmaps', () => {
  it('SETBIT / GETBIT: values, growth, errors', () =>
    diff.expectSame([
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '7', '0'],
      ['GET', 'b'],
      ['SETBIT', 'b', '100', '1'],
      ['STRLEN', 'b'],
      ['GETBIT', 'b', '100'],
      ['GETBIT', 'b', '101'],
      ['GETBIT', 'b', '100000'],
      ['GETBIT', 'missing', '3'],
      ['SETBIT', 'new', '0', '0'],
      ['GET', 'new'],
      ['SETBIT', 'b', '-1', '1'],
      ['SETBIT', 'b', 'x', '1'],
      ['SETBIT', 'b', '1', '2'],
      ['SETBIT', 'b', '1', '-1'],
      ['SETBIT', 'b', '1', 'x'],
      ['SETBIT', 'b', '4294967296', '1'],
      ['GETBIT', 'b', '4294967296'],
      ['GETBIT', 'b', '-1'],
      ['SET', 's', 'foobar'],
      ['SETBIT', 's', '3', '1'],
      ['GET', 's'],
      ['SET', 'n', '123'],
      ['GETBIT', 'n', '2'],
      ['SETBIT', 'n', '10', '1'],
      ['GET', 'n'],
      ['RPUSH', 'l', 'a'],
      ['SETBIT', 'l', '1', '1'],
      ['GETBIT', 'l', '1'],
      ['SETBIT', 'b'],
      ['GETBIT', 'b', '1', '2'],
    ]));

  it('BITCOUNT and BITPOS: BYTE and BIT ranges, negative indexes, errors', () =>
    diff.expectSame([
      ['SET', 's', 'foobar'],
      ['BITCOUNT', 's'],
      ['BITCOUNT', 's', '0', '0'],
      ['BITCOUNT', 's', '1', '1'],
      ['BITCOUNT', 's', '1', '1', 'BYTE'],
      ['BITCOUNT', 's', '5', '30', 'BIT'],
      ['BITCOUNT', 's', '-5', '-1', 'BIT'],
      ['BITCOUNT', 's', '-1', '-5'],
      ['BITCOUNT', 's', '2', '1'],
      ['BITCOUNT', 's', '-100', '100'],
      ['BITCOUNT', 's', '0'],
      ['BITCOUNT', 's', '0', '1', 'WORD'],
      ['BITCOUNT', 's', 'a', '1'],
      ['BITCOUNT', 'missing', 'a', 'b'],
      ['BITCOUNT', 'missing'],
      ['SET', 'z', Buffer.from([0xff, 0xf0, 0x00])],
      ['BITPOS', 'z', '0'],
      ['BITPOS', 'z', '1'],
      ['BITPOS', 'z', '0', '2'],
      ['BITPOS', 'z', '1', '2'],
      ['BITPOS', 'z', '0', '0', '1'],
      ['BITPOS', 'z', '1', '7', '15', 'BIT'],
      ['BITPOS', 'z', '0', '7', '15', 'BIT'],
      ['BITPOS', 'z', '0', '3', 'BIT'],
      ['BITPOS', 'z', '1', '-1'],
      ['BITPOS', 'z', '0', '-1', '-1', 'bit'],
      ['BITPOS', 'z', '2'],
      ['BITPOS', 'z', 'x'],
      ['BITPOS', 'z', '1', '0', '1', 'WORD'],
      ['BITPOS', 'missing', '0'],
      ['BITPOS', 'missing', '1'],
      ['BITPOS', 'missing', '1', 'x'],
      ['SET', 'ones', Buffer.from([0xff, 0xff])],
      ['BITPOS', 'ones', '0'],
      ['BITPOS', 'ones', '0', '0', '-1'],
      ['BITPOS', 'ones', '0', '0', '-1', 'BIT'],
      ['BITPOS', 'ones', '0', '0', 'BIT'],
      ['RPUSH', 'l', 'a'],
      ['BITCOUNT', 'l'],
      ['BITPOS', 'l', '1'],
    ]));

  it('BITOP AND OR XOR NOT, lengths, missing keys, errors', () =>
    diff.expectSame([
      ['SET', 'a', 'foobar'],
      ['SET', 'b', 'abc'],
      ['BITOP', 'AND', 'd', 'a', 'b'],
      ['GET', 'd'],
      ['BITOP', 'or', 'd', 'a', 'b', 'missing'],
      ['GET', 'd'],
      ['BITOP', 'XOR', 'd', 'a', 'b'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a', 'b'],
      ['BITOP', 'AND', 'd', 'missing', 'nothing'],
      ['EXISTS', 'd'],
      ['BITOP', 'NAND', 'd', 'a'],
      ['RPUSH', 'l', 'x'],
      ['BITOP', 'AND', 'd', 'a', 'l'],
      ['BITOP', 'AND', 'l', 'a'],
      ['TYPE', 'l'],
      ['BITOP', 'AND', 'd'],
    ]));

  it('BITFIELD: types, # offsets, overflow modes, BITFIELD_RO, errors', () =>
    diff.expectSame([
      ['BITFIELD', 'f', 'SET', 'i8', '0', '-100', 'GET', 'u8', '0', 'INCRBY', 'i8', '0', '-100'],
      [
        'BITFIELD',
        'f',
        'OVERFLOW',
        'SAT',
        'INCRBY',
        'i8',
        '0',
        '-100',
        'OVERFLOW',
        'FAIL',
        'INCRBY',
        'i8',
        '0',
        '-100',
      ],
      ['BITFIELD', 'f', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'],
      ['BITFIELD', 'f', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'],
      ['BITFIELD', 'f', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'],
      ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '102', '1'],
      ['GET', 'f'],
      ['BITFIELD', 'f', 'SET', 'u8', '#3', '200', 'GET', 'u8', '#3', 'GET', 'i8', '#3'],
      ['BITFIELD', 'f', 'SET', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '-1'],
      [
        'BITFIELD',
        'f',
        'OVERFLOW',
        'SAT',
        'INCRBY',
        'i64',
        '0',
        '-1',
        'INCRBY',
        'i64',
        '0',
        '9223372036854775807',
      ],
      [
        'BITFIELD',
        'f',
        'SET',
        'u63',
        '1',
        '-1',
        'OVERFLOW',
        'SAT',
        'SET',
        'u63',
        '1',
        '-1',
        'GET',
        'u63',
        '1',
      ],
      [
        'BITFIELD',
        'f',
        'SET',
        'u5',
        '3',
        '40',
        'OVERFLOW',
        'SAT',
        'SET',
        'u5',
        '3',
        '40',
        'SET',
        'i5',
        '3',
        '-40',
      ],
      ['BITFIELD', 'f', 'GET', 'u64', '0'],
      ['BITFIELD', 'f', 'GET', 'i65', '0'],
      ['BITFIELD', 'f', 'GET', 'i0', '0'],
      ['BITFIELD', 'f', 'GET', 'x8', '0'],
      ['BITFIELD', 'f', 'GET', 'u8', '-1'],
      ['BITFIELD', 'f', 'GET', 'u8', '#-1'],
      ['BITFIELD', 'f', 'GET', 'u8', '4294967296'],
      ['BITFIELD', 'f', 'GET', 'u8'],
      ['BITFIELD', 'f', 'OVERFLOW', 'MAYBE', 'GET', 'u8', '0'],
      ['BITFIELD', 'f', 'FOO', 'u8', '0'],
      ['BITFIELD', 'f', 'SET', 'u8', '0', 'x'],
      ['BITFIELD', 'f'],
      ['BITFIELD', 'missing', 'GET', 'u8', '0'],
      ['EXISTS', 'missing'],
      ['BITFIELD', 'created', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '10'],
      ['GET', 'created'],
      ['BITFIELD_RO', 'f', 'GET', 'u8', '0', 'GET', 'i4', '#1'],
      ['BITFIELD_RO', 'f', 'SET', 'u8', '0', '1'],
      ['BITFIELD_RO', 'f'],
      ['RPUSH', 'l', 'x'],
      ['BITFIELD', 'l', 'GET', 'u8', '0'],
      ['BITFIELD', 'l', 'SET', 'u8', '0', '1'],
    ]));

  for (const seed of [11, 22, 33, Date.now() % 100_000]) {
    it(`random bit operations at odd offsets (seed ${seed})`, () => {
      const rng = seededRng(seed);
      const steps: Step[] = [{ cmd: ['SET', 'str', 'a string'] }, { cmd: ['RPUSH', 'list', 'x'] }];
      for (let i = 0; i < 300; i++) steps.push(randomBitStep(rng));
      for (const key of KEYS) steps.push({ cmd: ['GET', key] }, { cmd: ['BITCOUNT', key] });
      return diff.expectSame(steps);
    });
  }
});
