// Lesson 10's checkpoints: what the README's "Check it" section promises, as tests of src/.
import { expect, it } from 'vitest';

it('lesson 10 (Scaling out: a Valkey cluster) has its checkpoints', () => {
  expect.fail(
    'Lesson 10 has no checkpoint tests yet: write them in test/ (CONTRIBUTING.md, "Checkpoint tests"), then delete test/checkpoint.test.ts.',
  );
});
