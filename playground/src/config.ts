/**
 * The playground's configuration: what the controls set and a link carries. Only what the user chose travels —
 * the task, the seed, the noise, and any setting changed from the task's defaults; the worker fills in the rest
 * from the task, as `neuron-pursuit train --task` does, and reports it back for the controls to show.
 */

/** The tasks offered (a selection of src/tasks: those that fit in seconds), and 'csv' for an uploaded file. */
export const TASK_CHOICES = [
  'demo',
  'hypercube-f1',
  'hypersphere-f1',
  'gaussian-f1',
  'modular-addition',
  'ridges-2d',
  'max-planes-2d',
  'abs-2d',
  'csv',
] as const;

export const ACTIVATION_CHOICES = ['relu', 'leaky-relu', 'square', 'squared-relu', 'linear'] as const;

/** Limits of the page, beyond the options' own ranges (which the estimator checks): sizes a tab handles. */
export const LIMITS = { samples: 20_000, depth: 6, modulus: 30 } as const;

/** Settings the user may change from the task's defaults (undefined: the task's). */
export interface Overrides {
  activation?: string;
  alpha?: number;
  depth?: number;
  samples?: number;
  lr?: number;
  pgaLr?: number;
}

export interface Config extends Overrides {
  task: string;
  /** P of modular addition. */
  modulus: number;
  seed: number;
  /** σ of the Gaussian noise on the training targets. */
  noise: number;
  /** With CSV data: the target column (default: the last). */
  target?: string;
}

export const DEFAULT_CONFIG: Config = { task: 'demo', modulus: 7, seed: 0, noise: 0 };

export const OVERRIDE_KEYS = ['activation', 'alpha', 'depth', 'samples', 'lr', 'pgaLr'] as const;
/** The overrides that are the estimator's options (the samples are the data's). */
export const ESTIMATOR_KEYS = ['activation', 'alpha', 'depth', 'lr', 'pgaLr'] as const;

/** The name of the src/tasks task a configuration draws from (undefined for CSV data). */
export function taskName(config: Config): string | undefined {
  if (config.task === 'csv') return undefined;
  return config.task === 'modular-addition' && config.modulus !== 23
    ? `modular-addition-${config.modulus}`
    : config.task;
}

type Parser = (value: string) => number | string;

const integer =
  (lo: number, hi: number): Parser =>
  (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < lo || n > hi)
      throw new Error(`expected an integer from ${lo} to ${hi}`);
    return n;
  };
const finite: Parser = (v) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error('expected a finite number');
  return n;
};
const oneOf =
  (choices: readonly string[]): Parser =>
  (v) => {
    if (!choices.includes(v)) throw new Error(`expected one of ${choices.join(', ')}`);
    return v;
  };

const PARSERS: Record<keyof Config, Parser> = {
  task: oneOf(TASK_CHOICES),
  modulus: integer(2, LIMITS.modulus),
  seed: integer(-(2 ** 31), 2 ** 31 - 1),
  noise: finite,
  target: (v) => v,
  activation: oneOf(ACTIVATION_CHOICES),
  alpha: finite,
  depth: integer(2, LIMITS.depth),
  samples: integer(1, LIMITS.samples),
  lr: finite,
  pgaLr: finite,
};

/** The configuration a link's query string names; an unknown or bad parameter throws one line naming it. */
export function configFromQuery(query: string): Config {
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [key, value] of new URLSearchParams(query)) {
    const parse = PARSERS[key as keyof Config];
    if (!parse) throw new Error(`link parameter '${key}' is not a setting (${Object.keys(PARSERS).join(', ')})`);
    try {
      config[key] = parse(value);
    } catch (err) {
      throw new Error(`link parameter ${key}=${value}: ${(err as Error).message}`);
    }
  }
  return config as unknown as Config;
}

/** The query string of a configuration: the task and what differs from the defaults. */
export function configToQuery(config: Config): string {
  const query = new URLSearchParams({ task: config.task });
  if (config.task === 'modular-addition') query.set('modulus', String(config.modulus));
  if (config.seed !== DEFAULT_CONFIG.seed) query.set('seed', String(config.seed));
  if (config.noise !== DEFAULT_CONFIG.noise) query.set('noise', String(config.noise));
  if (config.target !== undefined) query.set('target', config.target);
  for (const key of OVERRIDE_KEYS) if (config[key] !== undefined) query.set(key, String(config[key]));
  return query.toString();
}

/** The command line that fits the same configuration (CSV data: the uploaded file by its name). */
export function cliCommand(config: Config, csvName?: string): string {
  const name = taskName(config);
  const args = ['npx neuron-pursuit train'];
  if (name === undefined) args.push(`--data ${csvName ?? 'FILE.csv'} --target ${config.target ?? 'COLUMN'}`);
  else args.push(`--task ${name}`);
  if (config.samples !== undefined) args.push(`--samples ${config.samples}`);
  if (config.noise !== 0) args.push(`--noise ${config.noise}`);
  args.push(`--seed ${config.seed}`);
  if (config.activation !== undefined) args.push(`--activation ${config.activation}`);
  if (config.alpha !== undefined) args.push(`--alpha ${config.alpha}`);
  if (config.depth !== undefined) args.push(`--depth ${config.depth}`);
  if (config.lr !== undefined) args.push(`--lr ${config.lr}`);
  if (config.pgaLr !== undefined) args.push(`--pga-lr ${config.pgaLr}`);
  return args.join(' ');
}
