// HyperLogLog, engine vs real Redis 7.0: PFCOUNT numbers and the exact bytes of the value (GET)
// through the sparse encoding, the switch to dense, merges, corrupt values and errors.

import { it } from 'vitest';
import { int, pick, type Rng, seededRng } from './generators-shared.ts';
import { type Arg, describeDifferential, type Step, useDifferential } from './harness.ts';

const diff = useDifferential();

function elements(prefix: string, from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${from + i}`);
}

describeDifferential('differential: hyperloglog', () => {
  it('PFADD / PFCOUNT / GET on small sets, the cached cardinality bytes, errors', () =>
    diff.expectSame([
      ['PFADD', 'h'],
      ['GET', 'h'],
      ['PFADD', 'h'],
      ['PFADD', 'h', 'a', 'b', 'c'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['GET', 'h'],
      ['PFADD', 'h', 'a'],
      ['GET', 'h'],
      ['PFADD', 'h', 'd'],
      ['GET', 'h'],
      ['PFCOUNT', 'h', 'missing'],
      ['PFCOUNT', 'missing'],
      ['PFCOUNT', 'missing', 'missing2'],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'],
      ['PFDEBUG', 'FOO', 'h'],
      ['PFDEBUG', 'ENCODING', 'missing'],
      ['SET', 's', 'not an hll at all'],
      ['PFADD', 's', 'x'],
      ['PFCOUNT', 's'],
      ['PFCOUNT', 'h', 's'],
      ['PFMERGE', 'h', 's'],
      ['SET', 'short', 'HYLL'],
      ['PFCOUNT', 'short'],
      ['RPUSH', 'l', 'x'],
      ['PFADD', 'l', 'x'],
      ['PFCOUNT', 'l'],
      ['PFMERGE', 'l', 'h'],
      ['PFADD'],
      ['PFCOUNT'],
      ['PFMERGE'],
    ]));

  it('a corrupt sparse HLL and a dense one of the wrong length', async () => {
    // A valid header with runs that overflow 16384 registers, and a dense header on 20 bytes.
    const corrupt = Buffer.concat([
      Buffer.from('HYLL', 'latin1'),
      Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x7f, 0xff, 0x7f, 0xff]),
    ]);
    const badDense = Buffer.concat([Buffer.from('HYLL', 'latin1'), Buffer.alloc(16)]);
    await diff.expectSame([
      ['SET', 'c', corrupt],
      ['PFCOUNT', 'c'],
      ['PFADD', 'c', 'x', 'y'],
      ['PFCOUNT', 'c', 'c'],
      ['PFMERGE', 'd', 'c'],
      ['SET', 'bd', badDense],
      ['PFCOUNT', 'bd'],
      [
        'SET',
        'enc',
        Buffer.concat([Buffer.from('HYLL', 'latin1'), Buffer.from([2]), Buffer.alloc(11)]),
      ],
      ['PFCOUNT', 'enc'],
    ]);
  });

  it('thousands of elements: counts and bytes across the sparse-to-dense switch', async () => {
    const steps: Step[] = [];
    let added = 0;
    for (const batch of [1, 10, 50, 100, 200, 300, 500, 700, 1000, 2000, 5000]) {
      steps.push({ cmd: ['PFADD', 'big', ...elements('e', added, batch)] });
      added += batch;
      steps.push(
        { cmd: ['PFCOUNT', 'big'] },
        { cmd: ['GET', 'big'] },
        { cmd: ['PFDEBUG', 'ENCODING', 'big'] },
      );
    }
    // One by one near the switch: every PFADD reply (changed or not) must match.
    for (let i = 0; i < 300; i++) steps.push({ cmd: ['PFADD', 'edge', `x${i}`] });
    steps.push({ cmd: ['GET', 'edge'] }, { cmd: ['PFCOUNT', 'edge'] });
    for (let i = 300; i < 3000; i += 7) {
      steps.push({ cmd: ['PFADD', 'edge', ...elements('x', i, 7)] });
    }
    steps.push({ cmd: ['GET', 'edge'] }, { cmd: ['PFCOUNT', 'edge'] });
    await diff.expectSame(steps);
  });

  it('PFMERGE and multi-key PFCOUNT: sparse with sparse, sparse with dense, into existing keys', () =>
    diff.expectSame([
      ['PFADD', 's1', ...elements('a', 0, 100)],
      ['PFADD', 's2', ...elements('a', 50, 100)],
      ['PFADD', 'd1', ...elements('b', 0, 4000)],
      ['PFCOUNT', 's1', 's2'],
      ['PFCOUNT', 's1', 'd1', 's2', 'missing'],
      ['GET', 's1'],
      ['PFMERGE', 'm1', 's1', 's2'],
      ['GET', 'm1'],
      ['PFCOUNT', 'm1'],
      ['PFMERGE', 'm2', 's1', 'd1'],
      ['GET', 'm2'],
      ['PFCOUNT', 'm2'],
      ['PFMERGE', 's1', 's2'],
      ['GET', 's1'],
      ['PFMERGE', 'empty'],
      ['GET', 'empty'],
      ['PFMERGE', 'm3', 'missing'],
      ['GET', 'm3'],
      ['PFMERGE', 'd1', 's2'],
      ['GET', 'd1'],
      ['PFCOUNT', 'd1'],
      ['PFDEBUG', 'TODENSE', 's2'],
      ['GET', 's2'],
      ['PFDEBUG', 'TODENSE', 's2'],
      ['PFDEBUG', 'DECODE', 's2'],
      ['PFDEBUG', 'GETREG', 'm1'],
      ['GET', 'm1'],
    ]));

  for (const seed of [5, 6, Date.now() % 100_000]) {
    it(`random PFADD / PFMERGE / PFCOUNT sequences (seed ${seed})`, () => {
      const rng: Rng = seededRng(seed);
      const keys = ['h1', 'h2', 'h3'];
      const steps: Step[] = [];
      for (let i = 0; i < 120; i++) {
        const what = int(rng, 0, 5);
        const key = pick(rng, keys);
        if (what <= 2) {
          const n = pick(rng, [1, 3, 20, 200]);
          const els: Arg[] = Array.from({ length: n }, () => `v${int(rng, 0, 20_000)}`);
          steps.push({ cmd: ['PFADD', key, ...els] });
        } else if (what === 3) {
          steps.push({ cmd: ['PFMERGE', key, pick(rng, keys), pick(rng, keys)] });
        } else if (what === 4) {
          steps.push({ cmd: ['PFCOUNT', key, ...(rng() < 0.3 ? [pick(rng, keys)] : [])] });
        } else {
          steps.push({ cmd: ['GET', key] });
        }
      }
      for (const key of keys) steps.push({ cmd: ['GET', key] }, { cmd: ['PFCOUNT', key] });
      return diff.expectSame(steps);
    });
  }
});
