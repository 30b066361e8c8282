import { defineProject } from '@workshop/test-support';

export default defineProject(import.meta.url);
