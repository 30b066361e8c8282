// String commands, engine vs real Redis: every option, every error, binary values.

import { it } from 'vitest';
import { describeDifferential, useDifferential } from './harness.ts';

const diff = useDifferential();

describeDifferential('differential: strings', () => {
  it('GET / SET basics and reply types', () =>
    diff.expectSame([
      ['GET', 'missing'],
      ['SET', 's', 'hello'],
      ['GET', 's'],
      ['SET', 's', ''],
      ['GET', 's'],
      ['SET', 'n', '12'],
      ['GET', 'n'],
      ['SET', 's'],
      ['GET'],
      ['GET', 's', 'x'],
    ]));
});
