// Started by main.ts as a second Node process (think: a second server behind a load balancer,
// or the same server after a restart). It builds its store exactly as main.ts does.

import { createObjectStore } from './store.ts';

const key = process.argv[2] ?? 'article:anything';
const store = createObjectStore();
console.log(
  `Another process asks for '${key}': ${await store.get(key)} (its object holds ${await store.dbsize()} keys).`,
);
