import type { TestProject } from 'vitest/node';
import { ensureServicesTemplate, servicesRequested } from './services.ts';
import { ensureEmbeddedTemplate } from './template.ts';
import { WARM_STACK_KEY, warmStackRequested } from './warm-stack-key.ts';

// Runs once per vitest project in the main process, before the workers: the template every test
// file copies its database from is built here, so parallel workers never race to build it.
// practice watch's vitest (WORKSHOP_WARM_STACK=1, runs the whole session) also starts the warm
// stack here and gives the workers its address; vitest closes it when it closes.
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  if (servicesRequested()) await ensureServicesTemplate();
  else {
    await ensureEmbeddedTemplate();
    if (warmStackRequested()) {
      // Loaded only here: see warm-stack-key.ts.
      const { startWarmStack } = await import('./warm-stack.ts');
      const stack = await startWarmStack();
      project.provide(WARM_STACK_KEY, stack.url);
      return stack.close;
    }
  }
}
