// The progress file: which lessons' checks passed and when, and how many hints were shown. Small,
// local, versioned JSON (`.data/progress.json`); nothing leaves the machine.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../context.ts';

export interface Progress {
  version: 1;
  /** Lesson folder name -> how many of its hints have been shown. */
  hintsShown: Record<string, number>;
  /** Lesson folder name -> when its checkpoints last passed (ISO time), and the first time. */
  passed: Record<string, { first: string; last: string }>;
}

const empty = (): Progress => ({ version: 1, hintsShown: {}, passed: {} });

export function readProgress(file: string): Progress {
  if (!existsSync(file)) return empty();
  let data: Partial<Progress>;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UserError(
      `${file} is not valid JSON. Fix it by hand, or move it away to start your progress afresh.`,
    );
  }
  if (data.version !== 1) {
    throw new UserError(
      `${file} has format version ${String(data.version)}; this workshop reads version 1. Update the repo (git pull), or move the file away.`,
    );
  }
  return { ...empty(), ...data, version: 1 };
}

/** Writes through a temporary file, so an interrupted write never leaves half a file. */
export function writeProgress(file: string, progress: Progress): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(progress, null, 2)}\n`);
  renameSync(temp, file);
}

export function updateProgress(file: string, change: (progress: Progress) => void): Progress {
  const progress = readProgress(file);
  change(progress);
  writeProgress(file, progress);
  return progress;
}
