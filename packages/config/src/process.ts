import { ServiceError } from './clients.ts';
import { ConfigError } from './config.ts';

/**
 * For a lesson's main.ts: an error nothing caught ends the process with one line saying what to
 * do next when it is a service that is not there or a wrong setting (the learner's to fix), and
 * with the whole error otherwise (ours to fix).
 */
export function exitOnFatalError(lesson: number): void {
  process.on('uncaughtException', (error) => {
    const { code, address, port } = error as NodeJS.ErrnoException & {
      address?: string;
      port?: number;
    };
    if (code === 'ECONNREFUSED') {
      console.error(
        `Postgres does not answer at ${address}:${port}: start the local stack with \`pnpm stack\`, or run this lesson with \`pnpm lesson ${lesson}\`, which starts it.`,
      );
    } else if (error instanceof ConfigError || error instanceof ServiceError) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exit(1);
  });
}
