/**
 * The format of a stored run (one row of a sweep store): the grid point it ran
 * (its configuration, whose hash keys the row), what it found, and the code
 * that ran it. The schemas check every row read back; src/io/store-schema.ts
 * has the tables and their versions. Browser-safe: src/io/run-store.ts reads
 * and writes stores.
 */
import { z } from 'zod';
import { NETWORK_ALGORITHMS } from '../estimators/registry.js';
import type { NeuronPursuitOptions } from '../pursuit/options.js';
import { modelSchema } from './model-format.js';
import { fitHistorySchema, jsonNumber } from './run-format.js';

const count = z.number().int().nonnegative();

/** One point of a sweep's grid. */
export const gridPointSchema = z.object({
  task: z.string(),
  samples: count,
  testSamples: count,
  seed: z.number().int(),
  algorithm: z.enum(NETWORK_ALGORITHMS),
  lr: z.number(),
  /** NP options over the task's defaults (for GD: the error target); the estimator checks them. */
  options: z.custom<NeuronPursuitOptions>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
    error: 'expected an object of options',
  }),
  /** GD baseline only. */
  gd: z
    .object({ width: count, widths: z.array(count).optional(), maxSteps: count, radius: z.number().optional() })
    .optional(),
});
export type GridPoint = z.output<typeof gridPointSchema>;

/** What a finished grid point found. */
export const pointResultSchema = z.object({
  trainError: jsonNumber,
  testError: jsonNumber,
  trainClassError: jsonNumber.optional(),
  testClassError: jsonNumber.optional(),
  iterations: count,
  /** NP: its stop reason; GD: GD's. */
  stopReason: z.string(),
  widths: z.array(count),
  /** NP: per-iteration records; GD: the loss trace at each check. */
  history: fitHistorySchema,
  gdSteps: count,
  model: modelSchema,
  seconds: jsonNumber,
  /**
   * CPU time of the process (user + system) while it ran, where it ran in Node (absent in older rows): with one run
   * at a time per process, the run's own, whatever else loads the machine.
   */
  cpuSeconds: jsonNumber.optional(),
});
export type PointResult = z.output<typeof pointResultSchema>;

/** One stored run. */
export const storedRunSchema = z.object({
  key: z.string(),
  sweep: z.string(),
  task: z.string(),
  samples: count,
  seed: z.number().int(),
  algorithm: z.string(),
  lr: z.number(),
  status: z.enum(['ok', 'failed']),
  config: gridPointSchema,
  /** null for a failed run, and when a listing leaves results out. */
  result: pointResultSchema.nullable(),
  error: z.string().nullable(),
  trainError: z.number().nullable(),
  testError: z.number().nullable(),
  iterations: count.nullable(),
  seconds: z.number(),
  /** The package version that ran it, and its git commit where there was one (null before store version 1). */
  codeVersion: z.string(),
  codeCommit: z.string().nullable().default(null),
  finishedAt: z.string(),
});
export type StoredRun = z.output<typeof storedRunSchema>;
/** A run to store (its code commit may be left out). */
export type NewRun = z.input<typeof storedRunSchema>;
