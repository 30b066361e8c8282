// The two lesson folders under fixtures/lessons that the course-tool tests read.
import path from 'node:path';

const fixtures = path.join(import.meta.dirname, 'fixtures', 'lessons');
export const first = path.join(fixtures, '01-first-step');
export const second = path.join(fixtures, '02-second-step');
