import { ensureServicesTemplate, servicesRequested } from './services.ts';
import { ensureEmbeddedTemplate } from './template.ts';

// Runs once per vitest project in the main process, before the workers: the template every test
// file copies its database from is built here, so parallel workers never race to build it.
export default async function setup(): Promise<void> {
  if (servicesRequested()) await ensureServicesTemplate();
  else await ensureEmbeddedTemplate();
}
