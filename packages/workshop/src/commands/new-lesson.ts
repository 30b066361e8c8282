// `pnpm new-lesson <slug>` (maintainers): the next lesson, scaffolded from the last one, so that
// every tool that lists lessons (the CLI, the site, practice mode, the vitest projects, the root
// README's table) finds it with no other edit. CONTRIBUTING.md says what to fill in next.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { addLessonRow, LESSON_FOLDER, lessonLabel } from '@workshop/course';
import { parseCommandArgs } from '../args.ts';
import { pnpmCommand, runForeground } from '../child-process.ts';
import { UserError } from '../context.ts';
import { findRepoRoot, listLessons } from '../workspace.ts';

export const help = `Usage: workshop new-lesson <slug> [--title <title>] [--skip-install]
       (pnpm new-lesson <slug>)

For maintainers: creates lessons/NN-<slug>/, NN being the next number, from the last lesson:
its src/ (the app so far), package.json (renamed), configs, a README.md with the sections every
lesson has, exercise/hints.md and exercise/given.txt, and a checkpoint that fails until you
write the real ones. Adds the lesson to the root README's table, then runs pnpm install so the
new package is linked.

Options:
  --title <title>   the lesson's title (default: the slug in words, e.g. "Beyond strings")
  --skip-install    do not run pnpm install afterwards`;

export async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    command: 'workshop new-lesson',
    help,
    options: { title: { type: 'string' }, 'skip-install': { type: 'boolean' } },
    positionals: 1,
  });
  const [slug] = positionals;
  if (!slug) {
    throw new UserError(
      `Give the new lesson's slug, e.g. pnpm new-lesson beyond-strings.\n\n${help}`,
    );
  }
  const root = findRepoRoot();
  const created = scaffoldLesson(root, slug, values.title);
  console.log(
    `Created ${relative(root, created.dir)}/ (lesson ${created.number}) from ${created.from}.`,
  );
  console.log(`Added it to the table in README.md. Next: CONTRIBUTING.md, "Making a lesson".`);
  if (values['skip-install']) return 0;
  const [command, commandArgs] = pnpmCommand(['install', '--offline']);
  return runForeground(command, commandArgs, { cwd: root }).exit;
}

export interface ScaffoldedLesson {
  number: number;
  dir: string;
  /** The lesson it was copied from. */
  from: string;
}

export function scaffoldLesson(root: string, slug: string, title?: string): ScaffoldedLesson {
  const last = listLessons(root).at(-1);
  if (!last) throw new UserError('There is no lesson to start from under lessons/.');
  const number = last.number + 1;
  const label = lessonLabel(number);
  const name = `${label}-${slug}`;
  if (!LESSON_FOLDER.test(name)) {
    throw new UserError(
      `"${slug}" is not a lesson slug: lowercase words joined by dashes, e.g. beyond-strings.`,
    );
  }
  const dir = join(root, 'lessons', name);
  if (existsSync(dir)) throw new UserError(`${relative(root, dir)}/ already exists.`);
  const lessonTitle = title ?? `${slug[0]?.toUpperCase()}${slug.slice(1).replaceAll('-', ' ')}`;

  // The app so far, and the configs that make the folder a package and a vitest project.
  mkdirSync(dir, { recursive: true });
  cpSync(join(last.dir, 'src'), join(dir, 'src'), { recursive: true });
  for (const file of ['tsconfig.json', 'vitest.config.ts']) {
    cpSync(join(last.dir, file), join(dir, file));
  }
  const pkg = JSON.parse(readFileSync(join(last.dir, 'package.json'), 'utf8'));
  pkg.name = `@workshop/lesson-${name}`;
  // The last lesson's tests stay behind, and so do the devDependencies only they used (knip
  // would fail on them): what vitest.config.ts imports stays, and types (they follow src/).
  const vitestConfig = readFileSync(join(last.dir, 'vitest.config.ts'), 'utf8');
  pkg.devDependencies = Object.fromEntries(
    Object.entries(pkg.devDependencies ?? {}).filter(
      ([dependency]) =>
        dependency.startsWith('@types/') || vitestConfig.includes(`'${dependency}'`),
    ),
  );
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);

  const files: Record<string, string> = {
    'README.md': readmeSkeleton(number, lessonTitle),
    'test/checkpoint.test.ts': checkpointPlaceholder(label, lessonTitle),
    'exercise/hints.md': `# Hints: lesson ${number}, ${lessonTitle.toLowerCase()}\n\n## TODO: the first hint\n\nA nudge first; each later section says a little more.\n`,
    'exercise/given.txt': `# Files lesson ${number} changes that are not part of the exercise: taken from the lesson as\n# they are. The exercise itself: exercise/src/, the files with TODOs where the feature goes.\n`,
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }

  const readme = join(root, 'README.md');
  const row = {
    number: label,
    title: lessonTitle,
    link: `lessons/${name}/`,
    adds: 'TODO: what it adds',
  };
  writeFileSync(readme, addLessonRow(readFileSync(readme, 'utf8'), row));
  return { number, dir, from: last.name };
}

function readmeSkeleton(number: number, title: string): string {
  const section = (heading: string, todo: string) => `## ${heading}\n\nTODO: ${todo}\n`;
  return [
    `---\ntitle: ${yamlText(title)}\ndescription: 'TODO: one sentence, what the learner builds and sees'\nlesson: ${number}\n---\n`,
    `# ${title}\n`,
    section('Goal', 'what the app can do after this lesson, in two or three sentences.'),
    section('Why it matters', 'the problem this step solves, for a developer who has not met it.'),
    section(
      'Walk-through',
      'one `### ` step per part of the feature, each showing the code with a `file=src/…#region` block.',
    ),
    `## Run it\n\n\`\`\`sh\npnpm lesson ${number}\n\`\`\`\n\nTODO: what it prints and what to notice.\n`,
    `## Check it\n\n\`\`\`sh\npnpm check ${number}\n\`\`\`\n\nTODO: what each checkpoint proves.\n`,
    section('Pitfalls', 'the mistakes a learner will make, and how each one shows.'),
    section(
      'Exercises',
      `what \`pnpm practice start ${number}\` asks for (exercise/), and a stretch goal.`,
    ),
    section('Further reading', 'links to the reference pages of the commands and clients used.'),
  ].join('\n');
}

/** A title as a YAML value: quoted when plain text would not parse (a ": " or a leading sign). */
function yamlText(text: string): string {
  return /: |\s#|^[\s'"&*!|>%@`{[\]-]/.test(text) ? JSON.stringify(text) : text;
}

function checkpointPlaceholder(label: string, title: string): string {
  return `// Lesson ${label}'s checkpoints: what the README's "Check it" section promises, as tests of src/.
import { expect, it } from 'vitest';

it('lesson ${label} (${title}) has its checkpoints', () => {
  expect.fail(
    'Lesson ${label} has no checkpoint tests yet: write them in test/ (CONTRIBUTING.md, "Checkpoint tests"), then delete test/checkpoint.test.ts.',
  );
});
`;
}
