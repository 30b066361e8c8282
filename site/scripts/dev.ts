// `pnpm --filter @workshop/site dev` (for authors): Astro's dev server, with its content cache
// cleared first (it keeps lesson pages from before an edit to the loader) and telemetry off. A
// script rather than `rm -rf … && VAR=1 astro dev`, which Windows' shell cannot run.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const site = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(site, 'node_modules', '.astro'), { recursive: true, force: true });
const astro = join(
  dirname(createRequire(import.meta.url).resolve('astro/package.json')),
  'astro.js',
);
const child = spawn(process.execPath, [astro, 'dev', ...process.argv.slice(2)], {
  cwd: site,
  stdio: 'inherit',
  env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
