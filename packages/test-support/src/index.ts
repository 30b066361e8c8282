export {
  CLI_TEST_FILES,
  defineProject,
  defineRepoConfig,
  projectName,
  REPO_TEST_FILES,
} from './define-project.ts';
export { servicesRequested, serviceUrls } from './services.ts';
export { startTcpProxy, type TcpProxy, viaProxy } from './tcp-proxy.ts';
export { ensureEmbeddedTemplate, templateKey } from './template.ts';
export { type TestStack, useTestStack } from './test-stack.ts';
