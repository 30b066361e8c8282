#!/usr/bin/env node
// Runs the CLI from its bundle (bundle.mjs: built on first run and after any source edit), or,
// when it cannot be built, the TypeScript entry point through tsx. No build step either way.
import { cliBundle } from './bundle.mjs';

const bundle = await cliBundle();
if (bundle) {
  await import(bundle);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
