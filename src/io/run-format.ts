/**
 * The formats of a run folder (written by `train --out`): history.json (the
 * stop reason and one record per iteration, or GD's loss trace) and
 * summary.json (the data source, the fit's summary, the time, the options and
 * the code that ran). model.json is src/io/model-format.ts's. Each file names
 * its format and version; folders written before files had them read as
 * version 1, the same layout. Browser-safe: src/io/run-folder.ts does the file access.
 */
import { z } from 'zod';
import type { GdStopReason } from '../optim/gradient-descent.js';
import type { IterationRecord } from '../pursuit/history.js';
import type { ModelJSON } from './model-format.js';

export const HISTORY_FORMAT = 'neuron-pursuit-history';
export const SUMMARY_FORMAT = 'neuron-pursuit-summary';
export const RUN_FORMAT_VERSION = 1;

/** Any number, NaN and ±Infinity included; JSON writes those as null, which reads back as NaN. */
export const jsonNumber = z.union([
  z.custom<number>((v) => typeof v === 'number', { error: 'expected a number' }),
  z.null().transform(() => NaN),
]);
const count = z.number().int().nonnegative();

const gdStopReason = z.enum(['target', 'plateau', 'max-steps', 'diverged'] satisfies GdStopReason[]);

/** A GD check as saved: the step and the loss there. */
export const lossPointSchema = z.object({ step: count, loss: jsonNumber });
export type LossPoint = z.output<typeof lossPointSchema>;

/** One NP iteration as saved: src/pursuit/history.ts's `IterationRecord` (the type annotation keeps them alike). */
export const iterationRecordSchema: z.ZodType<IterationRecord, unknown> = z.object({
  iteration: count,
  layers: z.array(count),
  ncfValue: jsonNumber,
  ncfRelative: jsonNumber.optional(),
  kktResidual: jsonNumber,
  restartsAtBest: count,
  restartValues: z.object({ min: jsonNumber, median: jsonNumber, max: jsonNumber }),
  layerValues: z.array(jsonNumber),
  pathValues: z.array(jsonNumber).optional(),
  delta: jsonNumber,
  deltaShrinks: count,
  deltaWarning: z.boolean(),
  lossBefore: jsonNumber,
  lossAfterAdd: jsonNumber,
  gdSteps: count,
  gdStopReason,
  gdLr: jsonNumber,
  gdHalvings: count.optional(),
  gdTrace: z.array(lossPointSchema).optional(),
  loss: jsonNumber,
  trainError: jsonNumber,
  testError: jsonNumber.optional(),
  trainClassError: jsonNumber.optional(),
  testClassError: jsonNumber.optional(),
  widths: z.array(count),
  balancedness: z.array(z.array(jsonNumber)),
  seconds: jsonNumber,
  kktPoint: z.array(jsonNumber).optional(),
  weights: z.array(jsonNumber).optional(),
});

/** What a fit records: NP's iteration records, or plain GD's loss at every check. */
export const fitHistorySchema = z.union([z.array(iterationRecordSchema), z.array(lossPointSchema)]);
export type FitHistory = z.output<typeof fitHistorySchema>;

/** True for NP's iteration records, not GD's loss trace (an empty history is either). */
export function isIterationHistory(history: FitHistory): history is IterationRecord[] {
  return history.every((row) => 'iteration' in row);
}

const version = RUN_FORMAT_VERSION;
const fileFormat = <F extends string>(format: F) => ({
  format: z.literal(format).optional(),
  version: z
    .literal(RUN_FORMAT_VERSION, {
      error: (issue) =>
        `format version ${JSON.stringify(issue.input)} is not supported (this build reads version ${version})`,
    })
    .optional(),
});

export const historyFileSchema = z.object({
  ...fileFormat(HISTORY_FORMAT),
  stopReason: z.string(),
  stopMessage: z.string().optional(),
  history: fitHistorySchema,
});
export type HistoryFile = z.output<typeof historyFileSchema>;

/** The code that ran: the package version and, in a git checkout, the commit (`+dirty` with uncommitted changes). */
export const codeVersionSchema = z.object({ codeVersion: z.string(), codeCommit: z.string().optional() });
export type CodeVersion = z.output<typeof codeVersionSchema>;

/** summary.json: what this build reads of it (the rest, the algorithm's own fields, passes through). */
export const summaryFileSchema = z.looseObject({
  ...fileFormat(SUMMARY_FORMAT),
  ...codeVersionSchema.partial().shape,
  task: z.string().optional(),
  seed: z.number().int().optional(),
  stopReason: z.string(),
  trainError: jsonNumber,
  testError: jsonNumber.optional(),
  widths: z.array(count),
  seconds: jsonNumber,
  options: z.record(z.string(), z.unknown()),
});
export type SummaryFile = z.output<typeof summaryFileSchema>;

/** Each run-folder file's text, as `train --out` writes it (src/io/run-folder.ts) and the playground downloads it. */
export const runFileText = {
  history: (history: HistoryFile) => `${JSON.stringify(history, null, 2)}\n`,
  model: (model: ModelJSON) => `${JSON.stringify(model)}\n`,
  summary: (summary: object) => `${JSON.stringify(summary, null, 2)}\n`,
};

/**
 * history.json of a fit. Its records go through the schema, which lists every field in one order: a fit resumed
 * from a checkpoint (whose records were read back) writes the same bytes as the uninterrupted fit.
 */
export function historyFile(fit: { stopReason: string; stopMessage?: string }, history: FitHistory): HistoryFile {
  const { stopReason, stopMessage } = fit;
  const records = fitHistorySchema.parse(history);
  return { format: HISTORY_FORMAT, version: RUN_FORMAT_VERSION, stopReason, stopMessage, history: records };
}

/**
 * summary.json of a fit: the format, the code that ran, where the data came from (task or CSV files),
 * the fit's own summary, its wall time and its options — what `train --json` prints too.
 */
export function summaryFile(
  code: CodeVersion,
  source: Record<string, unknown>,
  fit: object,
  seconds: number,
  options: object,
): Record<string, unknown> {
  return { format: SUMMARY_FORMAT, version: RUN_FORMAT_VERSION, ...code, ...source, ...fit, seconds, options };
}

/** Parse a file's JSON value against its schema; a mismatch is one line naming the field. */
export function parseFile<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = firstProblem(parsed.error.issues[0]!);
  const field = issue.path.length ? `field '${issue.path.join('.')}': ` : '';
  throw new Error(`${source}: ${field}${issue.message}`);
}

/**
 * The problem to report: for a value that matches no alternative of a union (zod says only 'Invalid input'), the
 * first problem of the alternative it comes closest to (the fewest problems; on a tie, one that got past the
 * value's type), at its full path.
 */
export function firstProblem(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  const distance = (branch: z.core.$ZodIssue[]) =>
    2 * branch.length + (branch[0]?.code === 'invalid_type' && branch[0].path.length === 0 ? 1 : 0);
  const closest = issue.errors.reduce((best, branch) => (distance(branch) < distance(best) ? branch : best));
  if (closest.length === 0) return issue;
  const inner = firstProblem(closest[0]!);
  return { path: [...issue.path, ...inner.path], message: inner.message };
}

/** Check a file's JSON value against its schema, and keep it as written (its fields in their order). */
export function checkFile<S extends z.ZodType>(schema: S, value: unknown, source: string): z.input<S> {
  parseFile(schema, value, source);
  return value as z.input<S>;
}
