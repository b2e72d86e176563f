/**
 * Sweep files: a grid of task × sample size × seed × algorithm × step size,
 * written in YAML or JSON and validated with a schema whose errors name the
 * field. Presets ship as files in the package's presets/ folder.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SMALL_INIT_GD_DEFAULTS } from '../baselines/small-init-gd.js';
import { NETWORK_ALGORITHMS } from '../estimators/registry.js';
import { GD_DEFAULTS } from '../optim/gradient-descent.js';
import { resolveOptions, type NeuronPursuitOptions } from '../pursuit/options.js';
import type { Task } from '../tasks/tasks.js';
import { taskByName } from './data-tasks.js';
import type { GridPoint } from '../io/run-record.js';
import { firstProblem } from '../io/run-format.js';

const positiveInt = z.number().int().positive();
const lrList = z.array(z.number().positive().finite()).min(1);
// Checked against NP's own schema (merged over each task's defaults) in parseSweepConfig.
const npOptions = z.record(z.string(), z.unknown());

const npSettings = z.strictObject({
  /** Step sizes η; default: the task's. */
  lrs: lrList.optional(),
  options: npOptions.optional(),
});
const gdSettings = z.strictObject({
  lrs: lrList.optional(),
  width: positiveInt.optional(),
  maxSteps: positiveInt.optional(),
  radius: z.number().positive().optional(),
});

const taskEntry = z.union([
  z.string(),
  z.strictObject({
    name: z.string(),
    samples: z.array(positiveInt).min(1).optional(),
    testSamples: z.number().int().nonnegative().optional(),
    /** Seeds for this entry (e.g. fewer at the largest size), over the grid's. */
    seeds: z.union([positiveInt, z.array(z.number().int()).min(1)]).optional(),
    /** Algorithms for this entry, over the grid's. */
    algorithms: z.array(z.enum(NETWORK_ALGORITHMS)).min(1).optional(),
    np: npSettings.optional(),
    gd: gdSettings.optional(),
  }),
]);

export const sweepConfigSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  tasks: z.array(taskEntry).min(1),
  samples: z.array(positiveInt).min(1),
  testSamples: z.number().int().nonnegative().default(10_000),
  /** A count (seeds 0..n−1) or the seeds themselves. */
  seeds: z.union([positiveInt, z.array(z.number().int()).min(1)]),
  algorithms: z.array(z.enum(NETWORK_ALGORITHMS)).min(1),
  np: npSettings.default({}),
  gd: gdSettings.default({}),
});

export type SweepConfig = z.output<typeof sweepConfigSchema>;

/** The folder of shipped presets (beside dist/ in the package). */
export const PRESET_DIR = fileURLToPath(new URL('../../../presets/', import.meta.url));

export function presetNames(): string[] {
  return existsSync(PRESET_DIR)
    ? readdirSync(PRESET_DIR)
        .filter((f) => /\.(ya?ml|json)$/.test(f))
        .map((f) => basename(f, extname(f)))
    : [];
}

/** Parse and validate a sweep file's text; errors are one line naming the field. */
export function parseSweepConfig(text: string, source: string): SweepConfig {
  let raw: unknown;
  try {
    raw = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(
      `${source}: not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = sweepConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = firstProblem(parsed.error.issues[0]!);
    const field = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new Error(`${source}: field '${field}': ${issue.message}`);
  }
  const config = parsed.data;
  const checkOptions = (
    options: Record<string, unknown> | undefined,
    defaults: NeuronPursuitOptions,
    field: string,
  ) => {
    for (const fixed of ['seed', 'lr'])
      if (options && fixed in options)
        throw new Error(`${source}: field '${field}.${fixed}': set by the grid (seeds, lrs), not here`);
    try {
      resolveOptions({ ...defaults, ...options });
    } catch (err) {
      throw new Error(`${source}: field '${field}': ${(err as Error).message}`);
    }
  };
  config.tasks.forEach((t, i) => {
    const name = typeof t === 'string' ? t : t.name;
    let task: Task;
    try {
      task = taskByName(name);
    } catch (err) {
      throw new Error(`${source}: field 'tasks.${i}': ${(err as Error).message}`);
    }
    checkOptions(config.np.options, task.defaults, 'np.options');
    if (typeof t !== 'string')
      checkOptions({ ...config.np.options, ...t.np?.options }, task.defaults, `tasks.${i}.np.options`);
  });
  const points = gridSize(config);
  if (points > MAX_GRID_POINTS)
    throw new Error(
      `${source}: the grid has ${points} points, more than ${MAX_GRID_POINTS}: split it into several sweep files`,
    );
  return config;
}

/** The most grid points a sweep file may expand to (a few words, `seeds: 1000000000`, must not exhaust memory). */
export const MAX_GRID_POINTS = 1_000_000;

/** How many points `expandGrid` lists before it drops repeated ones, counted without listing them. */
function gridSize(config: SweepConfig): number {
  let points = 0;
  for (const entry of config.tasks) {
    const t = typeof entry === 'string' ? { name: entry } : entry;
    const seeds = t.seeds ?? config.seeds;
    const perSeed = (t.algorithms ?? config.algorithms)
      .map((a) => (a === 'np' ? (t.np?.lrs ?? config.np.lrs ?? [0]) : ({ ...config.gd, ...t.gd }.lrs ?? [0])).length)
      .reduce((x, y) => x + y, 0);
    points += (t.samples ?? config.samples).length * (typeof seeds === 'number' ? seeds : seeds.length) * perSeed;
  }
  return points;
}

/** Every grid point of a sweep, in a fixed order. */
export function expandGrid(config: SweepConfig): GridPoint[] {
  const seedList = (seeds: number | number[]) =>
    typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => i) : seeds;
  const points: GridPoint[] = [];
  for (const entry of config.tasks) {
    const t = typeof entry === 'string' ? { name: entry } : entry;
    const task = taskByName(t.name);
    const samples = t.samples ?? config.samples;
    const testSamples = t.testSamples ?? config.testSamples;
    const taskLr = resolveOptions(task.defaults).lr;
    const seeds = seedList(t.seeds ?? config.seeds);
    for (const n of samples) {
      for (const seed of seeds) {
        for (const algorithm of t.algorithms ?? config.algorithms) {
          if (algorithm !== 'gd') {
            const options = { ...config.np.options, ...t.np?.options } as NeuronPursuitOptions;
            for (const lr of t.np?.lrs ?? config.np.lrs ?? [taskLr]) {
              points.push({ task: task.name, samples: n, testSamples, seed, algorithm, lr, options });
            }
          } else {
            const gd = { ...config.gd, ...t.gd };
            // The error target of the task's growing networks, so that GD stops where they do.
            const target = t.np?.options?.targetError ?? config.np.options?.targetError;
            const options = { targetError: (target as number | undefined) ?? GD_DEFAULTS.targetError };
            const width = gd.width ?? SMALL_INIT_GD_DEFAULTS.width,
              maxSteps = gd.maxSteps ?? SMALL_INIT_GD_DEFAULTS.maxSteps;
            for (const lr of gd.lrs ?? [taskLr]) {
              points.push({
                task: task.name,
                samples: n,
                testSamples,
                seed,
                algorithm,
                lr,
                options,
                gd: { width, maxSteps, ...(gd.radius ? { radius: gd.radius } : {}) },
              });
            }
          }
        }
      }
    }
  }
  // The same point listed twice (e.g. a task named twice) runs once.
  const seen = new Set<string>();
  return points.filter((p) => {
    const key = pointKey(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The store's key of a grid point: a hash of its canonical JSON. */
export function pointKey(point: GridPoint): string {
  return createHash('sha256').update(canonicalJson(point)).digest('hex').slice(0, 32);
}

/** JSON with object keys sorted (undefined left out): equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Parse '--shard i/N' (1-based). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = m ? Number(m[1]) : NaN,
    count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count)
    throw new Error(`--shard: ${JSON.stringify(text)} is not of the form i/N with 1 ≤ i ≤ N`);
  return { index, count };
}

/** The i-th of N disjoint parts of the grid (round robin, so each part mixes cheap and dear points). */
export function shardOf<T>(points: T[], shard: { index: number; count: number }): T[] {
  return points.filter((_, i) => i % shard.count === shard.index - 1);
}
