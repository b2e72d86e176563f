/**
 * The run folder that `train --out` writes and `report`, `inspect` and
 * `predict` read: model.json, history.json and summary.json, in the formats of
 * src/io/model-format.ts and src/io/run-format.ts, written as one unit and
 * checked on reading. Node only.
 */
import { existsSync } from 'node:fs';
import type { z } from 'zod';
import { join } from 'node:path';
import { readJson, writeFilesAtomic } from './files.js';
import { type LoadedModel, type ModelJSON, modelFromJson, modelSchema } from './model-format.js';
import { type HistoryFile, checkFile, historyFileSchema, parseFile, summaryFileSchema } from './run-format.js';

export interface RunFolder {
  /** As written (the report shows it so). */
  summary: z.input<typeof summaryFileSchema>;
  history: HistoryFile;
  model: ModelJSON;
}

/** Write the three files into `dir` as one unit (see `writeFilesAtomic`); extra files (a report) go with them. */
export function writeRunFolder(
  dir: string,
  run: { summary: object; history: HistoryFile; model: ModelJSON },
  extra: Record<string, string | Uint8Array> = {},
): void {
  writeFilesAtomic(dir, {
    'history.json': `${JSON.stringify(run.history, null, 2)}\n`,
    'model.json': `${JSON.stringify(run.model)}\n`,
    'summary.json': `${JSON.stringify(run.summary, null, 2)}\n`,
    ...extra,
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

/** A model file: the network, and the CSV columns and preprocessing it was trained with, if any. */
export function readModelFile(path: string): LoadedModel {
  return modelFromJson(readJson(path, 'invalid model file'));
}
