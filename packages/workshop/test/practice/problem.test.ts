// Practice mode never hands out the answer: the problem text (`practice read`, and PROBLEM.md
// in a new playground) is the lesson's README with the code the learner writes taken out.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { outline } from '@workshop/course';
import { afterAll, describe, expect, it } from 'vitest';
import { stopLeftovers } from '../cli.ts';
import { LESSONS, lessonDir, sandbox } from './sandbox.ts';

afterAll(stopLeftovers);

/** Lines of lesson 03's solution the README quotes that the learner must write themselves. */
const ANSWERS_03 = [
  'inFlight.set(key, reading);',
  'const result = await Promise.race([command(), timeout]);',
  'const deleted = await tryStore(() => store.del(...keys), null);',
  'await tryStore(() => store.set(key, JSON.stringify(value), { ex: ttlSeconds }), null);',
];

describe('the problem text', () => {
  it('keeps a function signature and its comments, and leaves the body out', () => {
    const code = [
      '/** Doubles. */',
      'export async function twice(',
      '  n: number,',
      '): Promise<number> {',
      '  // Two of them.',
      '  const two = n * 2;',
      '  return two;',
      '}',
    ].join('\n');
    expect(outline(code)).toBe(
      [
        '/** Doubles. */',
        'export async function twice(',
        '  n: number,',
        '): Promise<number> {',
        '  // Two of them.',
        '  // ... your code ...',
        '}',
      ].join('\n'),
    );
  });

  it('practice read 3: the README without the code to write; start writes it too', async () => {
    const readme = readFileSync(join(lessonDir('03-ttl-caching'), 'README.md'), 'utf8');
    for (const answer of ANSWERS_03)
      expect(readme, 'the README quotes the answer').toContain(answer);

    const box = sandbox();
    const read = await box.practice('read', '3');
    expect(read.code).toBe(0);
    expect(read.stdout).toContain('title: Caching with a TTL');
    expect(read.stdout).toContain('**Your turn:** write this part of `src/cache.ts`');
    for (const answer of ANSWERS_03) expect(read.stdout).not.toContain(answer);
    // Code the learner does not write (the demo's main.ts) stays.
    expect(read.stdout).toContain('const events: CacheEvent[] = [];');

    const start = await box.practice('start', '3');
    expect(start.code).toBe(0);
    expect(start.stdout).toContain('PROBLEM.md (or: pnpm practice read)');
    expect(readFileSync(join(box.playground, 'PROBLEM.md'), 'utf8')).toBe(
      read.stdout.replace(/\n$/, ''),
    );
  });
});

describe('the hints', () => {
  it('go from the idea to the code: the first one holds no code', () => {
    for (const name of ['01', '02', '03', '04', '05']) {
      const lesson = readdirSync(LESSONS).find((n) => n.startsWith(`${name}-`)) as string;
      const text = readFileSync(join(LESSONS, lesson, 'exercise/hints.md'), 'utf8');
      const first = text.split(/^## /m)[1] ?? '';
      const code = [...first.matchAll(/`([^`]*)`/g)]
        .map((match) => match[1] as string)
        .filter((span) => /[(=]|\bawait\b/.test(span));
      expect(code, `${lesson}'s first hint should explain, not show code`).toEqual([]);
    }
  });
});
