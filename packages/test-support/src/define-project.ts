// defineProject() for every vitest.config.ts. It is written in JavaScript (config-entry.js says
// why: Node loads it before any TypeScript loader exists); tests import it from here.
export {
  CLI_TEST_FILES,
  defineProject,
  defineRepoConfig,
  projectName,
  REPO_TEST_FILES,
} from '../config-entry.js';
