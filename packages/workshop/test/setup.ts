// Runs before each test file (vitest's setupFiles), in worker processes that the files share one
// after another: what every file leaves to clean up is cleaned up after it, before the next one.
// After-hooks run last-registered first: the CLIs still running stop before their folders go.
import { afterAll } from 'vitest';
import { removeTemporaryFolders, stopLeftovers } from './cli.ts';

afterAll(removeTemporaryFolders);
afterAll(stopLeftovers);
