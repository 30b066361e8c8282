// A sparse HyperLogLog whose last opcode is an XZERO cut by the value's end (its second byte
// would be past the string), engine vs real Redis 7.0. Such values come from writing over an
// HLL with SETRANGE/APPEND (families-mixed seed 84085 made one). Redis reads the missing byte
// from the sds NUL slot; when PFADD or PFMERGE splits that opcode it counts it as 2 bytes, so
// the value grows one byte less than the opcodes written and the last of them lands in the NUL
// slot, where the next edit in the same command reads it. The engine once grew the value by
// one byte more than Redis (STRLEN, SETRANGE's reply, GET all differed).

import { it } from 'vitest';
import { describeDifferential, useDifferential } from './harness.ts';

const diff = useDifferential();

/** "HYLL", sparse, 3 unused bytes, the cached cardinality marked stale, then `ops`. */
function sparseValue(ops: number[]): Buffer {
  const header = [0x48, 0x59, 0x4c, 0x4c, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80];
  return Buffer.from([...header, ...ops]);
}

/** XZERO of 1000 registers, then an XZERO cut after its first byte (0x7f: 16129 with a NUL). */
const CUT = sparseValue([0x43, 0xe7, 0x7f]);

/** As seed 84085 left it: a few short ZERO opcodes, then the cut XZERO (0x7a). */
const SEED_LIKE = sparseValue([0x41, 0x1b, 0x00, 0x00, 0x00, 0x05, 0x7a]);

/** The same, of exactly 16384 registers when the NUL is read (1279 + 15105): a valid HLL. */
const CUT_VALID = sparseValue([0x44, 0xfe, 0x7b]);

/** A sparse value of 12288 registers only: an element past them finds no opcode (corrupt). */
const SHORT = sparseValue([0x6f, 0xff]);

const ELEMENTS = Array.from({ length: 12 }, (_, i) => `e${i * 37}`);

describeDifferential('differential: HLL with an XZERO cut by the end of the value', () => {
  it('PFADD of one element, then of many in one command, then SETRANGE', () =>
    diff.expectSame([
      ['SET', 'h', CUT],
      ['PFADD', 'h', 'e0'],
      ['STRLEN', 'h'],
      ['GET', 'h'],
      ['SET', 'h', CUT],
      ['PFADD', 'h', ...ELEMENTS],
      ['STRLEN', 'h'],
      ['GET', 'h'],
      ['SETRANGE', 'h', '7', '\u0001\u0002'],
      ['GET', 'h'],
    ]));

  it('the shape seed 84085 produced, element by element and all at once', () =>
    diff.expectSame([
      ['SET', 'g', SEED_LIKE],
      ['PFADD', 'g', 'e142', 'e305', 'e366', 'e105', 'e313', 'e487', 'e169'],
      ['GET', 'g'],
      ['SETRANGE', 'g', '7', '\u0001\u0002'],
      ['SET', 'g2', SEED_LIKE],
      ...ELEMENTS.map((e) => ['PFADD', 'g2', e]),
      ['STRLEN', 'g2'],
    ]));

  it('PFMERGE into a cut value sets its registers one by one', () =>
    diff.expectSame([
      ['PFADD', 'src', ...ELEMENTS],
      ['SET', 'h', CUT_VALID],
      ['PFCOUNT', 'h'],
      ['PFMERGE', 'h', 'src'],
      ['STRLEN', 'h'],
      ['GET', 'h'],
      ['SET', 'h', CUT],
      ['PFMERGE', 'h', 'src'],
    ]));

  it('PFCOUNT after PFADD split the cut opcode', () =>
    diff.expectSame([
      ['SET', 'h', CUT_VALID],
      ['PFADD', 'h', 'e0'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFADD', 'h', 'e37'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
    ]));

  it('PFADD that meets the end of a short value keeps its earlier edits, unsignalled', () =>
    diff.expectSame([
      ['SET', 'h', SHORT],
      ['WATCH', 'h'],
      ['PFADD', 'h', ...ELEMENTS],
      ['MULTI'],
      ['PING'],
      ['EXEC'],
      ['STRLEN', 'h'],
      ['GET', 'h'],
    ]));
});
