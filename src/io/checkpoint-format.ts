/**
 * The checkpoint format (checkpoint.json in a run folder, written by `train --out` after every Neuron Pursuit
 * iteration and read by `train --resume`): where the data came from, the resolved options, the model so far
 * (src/io/model-format.ts) and the history so far — all that continuing the fit needs (docs/algorithm.md §14).
 * Browser-safe: src/io/run-folder.ts does the file access.
 */
import { z } from 'zod';
import { modelSchema } from './model-format.js';
import { iterationRecordSchema, jsonNumber } from './run-format.js';

export const CHECKPOINT_FORMAT = 'neuron-pursuit-checkpoint';
export const CHECKPOINT_FORMAT_VERSION = 1;

/** How to get the same data again: a task's draw, or CSV files and how they were read. */
export const dataSourceSchema = z.union([
  z.object({
    task: z.string(),
    samples: z.number().int().positive(),
    testSamples: z.number().int().nonnegative(),
    /** The seed of the draw (`Rng(seed, 'data/TASK')`). */
    seed: z.number().int(),
    /** σ of the Gaussian noise on the training targets (`--noise`; absent = none). */
    noise: z.number().nonnegative().optional(),
  }),
  z.object({
    /** The files as given on the command line, relative to `cwd` (so a resume from elsewhere reads them too). */
    data: z.string(),
    test: z.string().optional(),
    cwd: z.string(),
    targets: z.array(z.string()).min(1),
    drop: z.array(z.string()),
    delimiter: z.string().optional(),
    /** SHA-256 of the files' contents: a resume refuses files that changed. */
    checksum: z.string(),
  }),
]);
export type DataSource = z.output<typeof dataSourceSchema>;

export const checkpointSchema = z.object({
  format: z.literal(CHECKPOINT_FORMAT, {
    error: (issue) => `format is ${JSON.stringify(issue.input)}, expected "${CHECKPOINT_FORMAT}"`,
  }),
  version: z.literal(CHECKPOINT_FORMAT_VERSION, {
    error: (issue) =>
      `format version ${JSON.stringify(issue.input)} is not supported ` +
      `(this build reads version ${CHECKPOINT_FORMAT_VERSION})`,
  }),
  /**
   * Only a growing network (NP's loop) fits in iterations that a checkpoint can end on; its options name the growth
   * rule (`growthRule`) when it is not NP's.
   */
  algorithm: z.literal('np'),
  source: dataSourceSchema,
  /** The resolved options of the fit (src/pursuit/options.ts checks them again on resuming). */
  options: z.record(z.string(), z.unknown()),
  /** Wall time spent so far, over every session of the fit. */
  seconds: jsonNumber,
  /** The network after the last completed iteration, with its columns and preprocessing (none before the first). */
  model: modelSchema.optional(),
  history: z.array(iterationRecordSchema),
});
export type Checkpoint = z.output<typeof checkpointSchema>;

/** A checkpoint of a fit after `history.length` completed iterations. */
export function checkpointFile(parts: Omit<Checkpoint, 'format' | 'version' | 'algorithm'>): Checkpoint {
  return { format: CHECKPOINT_FORMAT, version: CHECKPOINT_FORMAT_VERSION, algorithm: 'np', ...parts };
}
