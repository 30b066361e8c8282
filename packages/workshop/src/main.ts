// The `workshop` CLI: each command lives in src/commands/ and is loaded only when it runs,
// so `workshop lesson 1` pays for nothing but the lesson runner.
import { UserError } from './context.ts';

export interface Command {
  /** The full help text: usage line, what it does, options. */
  help: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  start: {
    summary: 'the workshop in one command: the local stack and the course site',
    load: () => import('./commands/start.ts'),
  },
  stack: {
    summary: 'run embedded Postgres and the local Upstash/Valkey server until Ctrl-C',
    load: () => import('./commands/stack.ts'),
  },
  lesson: {
    summary: "run lesson <n>'s src/main.ts (starts the services it needs)",
    load: () => import('./commands/lesson.ts'),
  },
  check: {
    summary: "run lesson <n>'s checkpoint tests (all lessons without <n>)",
    load: () => import('./commands/check.ts'),
  },
  doctor: {
    summary: 'check Node, pnpm, .env, the configured services and the local ports',
    load: () => import('./commands/doctor.ts'),
  },
  practice: {
    summary: 'practice mode: work through the lessons in your own copy',
    load: () => import('./commands/practice.ts'),
  },
  'new-lesson': {
    summary: '(maintainers) scaffold the next lesson from the last one',
    load: () => import('./commands/new-lesson.ts'),
  },
  'test-services': {
    summary: 'run every test suite against the real Postgres, Redis and Valkey',
    load: () => import('./commands/test-services.ts'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(
    ([name, { summary }]) => `  ${name.padEnd(width)}  ${summary}`,
  );
  return [
    'Usage: workshop <command> [options]   (from the repo: pnpm <command>)',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `workshop <command> --help` for the options of a command.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined;
    if (topic && COMMANDS[topic]) {
      console.log((await COMMANDS[topic].load()).help);
    } else {
      console.log(usage());
    }
    return name === undefined ? 1 : 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`Unknown command "${name}".\n\n${usage()}`);
    return 1;
  }
  const command = await entry.load();
  if (name !== 'practice' && (args.includes('--help') || args.includes('-h'))) {
    console.log(command.help);
    return 0;
  }
  return command.run(args);
}

let code: number;
try {
  code = await main(process.argv.slice(2));
} catch (error) {
  // Our errors (and those of @workshop/config, @workshop/db and the kv-server) say what to do in their message; the
  // stack trace is for us, not for a learner.
  if (error instanceof UserError || !process.env.WORKSHOP_DEBUG) {
    const hint = error instanceof UserError ? '' : '\n(WORKSHOP_DEBUG=1 shows where it happened.)';
    console.error(`${error instanceof Error ? error.message : String(error)}${hint}`);
  } else {
    console.error(error);
  }
  code = 1;
}
// Exit now: a client's idle keep-alive socket must not keep a finished command waiting.
process.exit(code);
