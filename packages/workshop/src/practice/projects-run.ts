// `practice verify` and `practice mutations` both lay out many folders under one work folder and
// run every folder's checkpoints in ONE vitest run (a project per folder, one start-up), then read
// vitest's JSON report back file by file and print a table of the outcomes. This is that run,
// that reading and that table.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { runVitest } from '../vitest-run.ts';

interface JsonReport {
  testResults: {
    name: string;
    status: string;
    message?: string;
    assertionResults: { status: string; fullName: string; failureMessages?: string[] }[];
  }[];
}

/** One test file's outcome, named by its folder under the work folder and its path in it. */
export interface FileResult {
  folder: string;
  file: string;
  /** How many tests it reported. */
  tests: number;
  /** Its failed tests, each with vitest's failure messages. */
  failed: { fullName: string; messages: string[] }[];
  /**
   * The file's own error when it failed with no failed test: a file that fails to load (a syntax
   * error, a missing export) has no test results; one whose beforeAll failed has only skipped ones.
   */
  error?: string;
}

/**
 * Runs `folders` (each under `work`, with its own vitest.config.ts) as the projects of one vitest
 * run; resolves with each test file's outcome, or undefined (having said why) when vitest wrote
 * no report.
 */
export async function runProjects(
  root: string,
  work: string,
  folders: string[],
  maxWorkers: number,
): Promise<FileResult[] | undefined> {
  writeFileSync(
    join(work, 'vitest.config.ts'),
    `export default ${JSON.stringify({
      test: {
        projects: folders.map((folder) => `${folder}/vitest.config.ts`),
        maxWorkers,
      },
    })};\n`,
  );
  const reportFile = join(work, 'report.json');
  const { code, output } = await runVitest(
    root,
    ['--reporter=json', `--outputFile=${reportFile}`],
    { cwd: work, quiet: true },
  );
  let report: JsonReport;
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
  } catch {
    console.error(`vitest produced no report (exit code ${code}):\n${output}`);
    return undefined;
  }
  return report.testResults.map((result) => {
    const folder = result.name.slice(work.length + 1).split(sep)[0] ?? '';
    const failed = result.assertionResults
      .filter((test) => test.status === 'failed')
      .map((test) => ({ fullName: test.fullName, messages: test.failureMessages ?? [] }));
    return {
      folder,
      file: result.name.slice(work.length + folder.length + 2),
      tests: result.assertionResults.length,
      failed,
      error: failed.length === 0 && result.status === 'failed' ? (result.message ?? '') : undefined,
    };
  });
}

/**
 * The end of such a run: `rows` as a table (the first is the header), the `details` of what went
 * wrong, and the `summary` line with the seconds since `started`.
 */
export function printSummary(
  rows: string[][],
  details: string[],
  started: number,
  summary: (seconds: string) => string,
): void {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0))) ?? [];
  console.log('');
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  if (details.length > 0) console.log(`\n${details.join('\n')}`);
  console.log(summary(((Date.now() - started) / 1000).toFixed(1)));
}
