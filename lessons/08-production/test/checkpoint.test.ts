// Lesson 08's checkpoints: what the README's "Check it" section promises, as tests of src/.
import { expect, it } from 'vitest';

it('lesson 08 (Going to production) has its checkpoints', () => {
  expect.fail(
    'Lesson 08 has no checkpoint tests yet: write them in test/ (CONTRIBUTING.md, "Checkpoint tests"), then delete test/checkpoint.test.ts.',
  );
});
