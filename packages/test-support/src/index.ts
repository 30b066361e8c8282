// defineProject, defineRepoConfig, projectName and the root config's test globs.
export * from './define-project.ts';
export { servicesRequested, serviceUrls } from './services.ts';
export { startTcpProxy, type TcpProxy, viaProxy } from './tcp-proxy.ts';
export { ensureEmbeddedTemplate, templateKey } from './template.ts';
export { type TestStack, useTestStack } from './test-stack.ts';
