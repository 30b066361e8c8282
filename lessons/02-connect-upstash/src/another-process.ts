// Started by main.ts as a second Node process (think: a second server behind a load balancer,
// or the same server after a restart). It builds its store exactly as main.ts does.

import { loadConfig } from '@workshop/config';
import { connectStore } from './upstash.ts';

const key = process.argv[2] ?? 'article:anything';
const store = await connectStore(loadConfig());
const value = await store.get(key);
console.log(
  `Another process asks for '${key}': ${value === null ? 'null' : `found (${value.length} characters of JSON)`}.`,
);
