// Lesson 09's checkpoints: what the README's "Check it" section promises, as tests of src/.
import { expect, it } from 'vitest';

it('lesson 09 (Redis on Postgres) has its checkpoints', () => {
  expect.fail(
    'Lesson 09 has no checkpoint tests yet: write them in test/ (CONTRIBUTING.md, "Checkpoint tests"), then delete test/checkpoint.test.ts.',
  );
});
