import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const help = `Usage: workshop practice <subcommand>   (pnpm practice ...)

Practice mode: work through the lessons in your own copy. Run \`workshop practice --help\` for
its subcommands.`;

// Practice mode lives in src/practice/ (its own module); this only routes to it.
const entry = new URL('../practice/index.ts', import.meta.url);

export async function run(args: string[]): Promise<number> {
  if (!existsSync(fileURLToPath(entry))) {
    console.error('Practice mode is not available yet.');
    return 1;
  }
  const practice = await import('../practice/index.ts');
  const code = await practice.runPractice(args);
  return typeof code === 'number' ? code : 0;
}
