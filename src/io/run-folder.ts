/**
 * The run folder that `train --out` writes and `report`, `inspect` and
 * `predict` read: model.json, history.json and summary.json, in the formats of
 * src/io/model-format.ts and src/io/run-format.ts, written as one unit and
 * checked on reading; while the fit runs, checkpoint.json
 * (src/io/checkpoint-format.ts) after every iteration. Node only.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { z } from 'zod';
import { join } from 'node:path';
import { type Checkpoint, checkpointSchema } from './checkpoint-format.js';
import { checkDestination, inWords, readJson, removeLeftovers, writeFileAtomic, writeFilesAtomic } from './files.js';
import { type LoadedModel, type ModelJSON, modelFromJson, modelSchema } from './model-format.js';
import {
  type HistoryFile,
  checkFile,
  historyFileSchema,
  parseFile,
  runFileText,
  summaryFileSchema,
} from './run-format.js';

export interface RunFolder {
  /** As written (the report shows it so). */
  summary: z.input<typeof summaryFileSchema>;
  history: HistoryFile;
  model: ModelJSON;
}

/** The files that make a folder a run folder. */
const RUN_FILES = ['summary.json', 'history.json', 'model.json', 'checkpoint.json'];

/**
 * Check, before any work, that `dir` can take a new run, in words: it can be created or written, and it holds
 * no earlier run — unless `force` (`openRunFolder` then replaces it). A folder holding other files is refused
 * even then: only a run folder is ever removed.
 */
export function checkRunFolder(dir: string, force: boolean): void {
  checkDestination(dir, 'folder');
  const files = runFiles(dir);
  if (files === undefined || force) return;
  const unfinished = files.includes('checkpoint.json') && !files.includes('summary.json');
  throw new Error(
    unfinished
      ? `${dir} holds an unfinished run (checkpoint.json): continue it with --resume ${dir}, or pass --force to ` +
          'replace it'
      : `${dir} already holds a run (${files.join(', ')}): pass --force to replace it, or choose another --out`,
  );
}

/** Make `dir` an empty folder for a new run, replacing the run it holds (after `checkRunFolder`). */
export function openRunFolder(dir: string): void {
  try {
    if (runFiles(dir) !== undefined) rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw inWords(err, dir);
  }
}

/** The run files a folder holds; undefined for a missing or empty folder; an error for one holding other files. */
function runFiles(dir: string): string[] | undefined {
  if (!existsSync(dir)) return undefined;
  const entries = readdirSync(dir);
  if (entries.length === 0) return undefined;
  const files = RUN_FILES.filter((f) => entries.includes(f));
  if (files.length === 0)
    throw new Error(`${dir} is a folder that holds other files, not a run: give --out a new or empty folder`);
  return files;
}

/** checkpoint.json of a run folder, written atomically (it replaces the previous one whole). */
export function writeCheckpoint(dir: string, checkpoint: Checkpoint): void {
  writeFileAtomic(join(dir, 'checkpoint.json'), `${JSON.stringify(checkpoint)}\n`);
}

/** checkpoint.json of a run folder, checked; a folder without one is an error saying what it holds instead. */
export function readCheckpoint(dir: string): Checkpoint {
  const path = join(dir, 'checkpoint.json');
  if (!existsSync(path)) {
    if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
    throw new Error(
      existsSync(join(dir, 'summary.json'))
        ? `${dir} holds a finished run (summary.json, no checkpoint.json): there is nothing to resume`
        : `${dir} has no checkpoint.json: not a folder written by train --out`,
    );
  }
  return parseFile(checkpointSchema, readJson(path), path);
}

/** Remove the checkpoint of a finished run (its run files now say all it said). */
export function removeCheckpoint(dir: string): void {
  const path = join(dir, 'checkpoint.json');
  try {
    rmSync(path, { force: true });
  } catch (err) {
    throw inWords(err, path);
  }
}

/** Remove what a write into the run folder that failed could not clean up (see `removeLeftovers`). */
export function removeRunLeftovers(dir: string): void {
  removeLeftovers(join(dir, 'checkpoint.json'));
  removeLeftovers(dir);
}

/**
 * Write the three files into `dir` as one unit (see `writeFilesAtomic`); extra files (a report) go with them.
 * summary.json comes last: a folder that has it has the others (a write cut short leaves an unfinished run).
 */
export function writeRunFolder(
  dir: string,
  run: { summary: object; history: HistoryFile; model: ModelJSON },
  extra: Record<string, string | Uint8Array> = {},
): void {
  writeFilesAtomic(dir, {
    'history.json': runFileText.history(run.history),
    'model.json': runFileText.model(run.model),
    ...extra,
    'summary.json': runFileText.summary(run.summary),
  });
}

/** The whole folder, every file checked. */
export function readRunFolder(dir: string): RunFolder {
  for (const name of ['summary.json', 'history.json', 'model.json']) {
    if (!existsSync(join(dir, name))) throw new Error(`${dir}: not a run folder (no ${name})`);
  }
  const read = (name: string) => readJson(join(dir, name));
  return {
    summary: checkFile(summaryFileSchema, read('summary.json'), join(dir, 'summary.json')),
    history: readHistoryFile(dir),
    model: parseFile(modelSchema, read('model.json'), join(dir, 'model.json')),
  };
}

/** history.json of a run folder, checked. */
export function readHistoryFile(dir: string): HistoryFile {
  const path = join(dir, 'history.json');
  return parseFile(historyFileSchema, readJson(path), path);
}

/** A model file: the network, the CSV columns it was trained on and its preprocessing, if any, and `predict`. */
export function readModelFile(path: string): LoadedModel {
  return modelFromJson(readJson(path, 'invalid model file'), path);
}
