// Keeps the code copies inside the lesson READMEs equal to the files they name.
//
//   pnpm --filter @workshop/site snippets --check          # every lesson; exit 1 on drift
//   pnpm --filter @workshop/site snippets --write          # rewrite the copies from the files
//   tsx site/scripts/snippets.ts --write lessons/03-ttl-caching   # only some lessons/READMEs
//
// A reference to a file or region that does not exist is an error in both modes.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot, listLessons } from '../src/course/lessons.ts';
import { formatSnippetRef, syncReadme } from '../src/course/snippets.ts';

const USAGE = 'usage: snippets.ts --check|--write [lesson folder or README.md ...]';

function readmesFrom(args: string[], repoRoot: string): string[] {
  if (args.length === 0) {
    return listLessons(path.join(repoRoot, 'lessons'))
      .filter((lesson) => lesson.hasReadme)
      .map((lesson) => lesson.readme);
  }
  return args.map((arg) => {
    // pnpm runs package scripts from site/, so a path may be relative to where pnpm was called.
    const candidates = [process.env.INIT_CWD, process.cwd(), repoRoot]
      .filter((base): base is string => Boolean(base))
      .map((base) => path.resolve(base, arg));
    const found = candidates.find((candidate) => existsSync(candidate));
    if (!found) throw new Error(`${arg}: no such lesson folder or README.md`);
    return statSync(found).isDirectory() ? path.join(found, 'README.md') : found;
  });
}

function main(argv: string[]): number {
  const mode = argv[0];
  if (mode !== '--check' && mode !== '--write') {
    console.error(USAGE);
    return 2;
  }
  const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
  const readmes = readmesFrom(argv.slice(1), repoRoot);
  let problems = 0;
  let rewritten = 0;
  for (const readme of readmes) {
    const label = path.relative(repoRoot, readme);
    const before = readFileSync(readme, 'utf8');
    const { text, reports } = syncReadme(before, path.dirname(readme), label);
    for (const report of reports) {
      const where = `${label}:${report.block.line} file=${formatSnippetRef(report.block.ref)}`;
      if (report.status === 'missing') {
        console.error(report.message);
        problems++;
      } else if (report.status === 'drifted' && mode === '--check') {
        console.error(`${where}: the copy in the README differs from the file`);
        problems++;
      }
    }
    if (mode === '--write' && text !== before) {
      writeFileSync(readme, text);
      rewritten++;
      console.log(`updated ${label}`);
    }
  }
  const blocks = `${readmes.length} README${readmes.length === 1 ? '' : 's'}`;
  if (problems > 0) {
    const fix =
      mode === '--check'
        ? 'Run `pnpm --filter @workshop/site snippets --write` to refresh the copies; fix missing files or regions by hand.'
        : 'Fix the missing files or regions named above, then run --write again.';
    console.error(`${problems} snippet problem(s) in ${blocks}. ${fix}`);
    return 1;
  }
  console.log(
    mode === '--write'
      ? `snippets: ${rewritten} of ${blocks} rewritten`
      : `snippets: ${blocks} in sync`,
  );
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
