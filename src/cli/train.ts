/** `neuron-pursuit train`: fit NP on a task or on CSV data, print the history, write the run folder. */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { smallInitGd, smallInitRadius, SMALL_INIT_GD_DEFAULTS } from '../baselines/small-init-gd.js';
import { runDirReport, writeReport } from './report.js';
import { Rng } from '../linalg/rng.js';
import type { Matrix } from '../linalg/matrix.js';
import { NeuronPursuit } from '../pursuit/neuron-pursuit.js';
import { GROWTH_MODES, type NeuronPursuitOptions } from '../pursuit/options.js';
import { getTask } from '../tasks/tasks.js';
import { parseCsv, splitColumns } from '../io/csv.js';
import { writeFilesAtomic } from '../io/files.js';
import { flagName, historyTable, sci } from './format.js';
import { progressReporter } from './progress.js';
import { choice, collect, integer, nonNegativeInteger, number, positiveInteger } from './options.js';
import { TIE_RULES } from '../ncf/candidates.js';

/** CLI flag → NeuronPursuit option, with its parser. */
const ALGORITHM_FLAGS: [flag: string, option: keyof NeuronPursuitOptions, parse: (v: string) => unknown, help: string][] = [
  ['--depth <L>', 'depth', integer, 'number of layers L ≥ 2'],
  ['--alpha <a>', 'alpha', number, 'negative slope α of leaky-relu / custom activations, in [-1, 1]'],
  ['--p <p>', 'p', number, 'degree p ≥ 1 of a custom activation'],
  ['--max-iterations <K>', 'maxIterations', positiveInteger, 'NP iteration cap K (default 31)'],
  ['--target-error <eps>', 'targetError', number, 'relative training error target ε (default 1e-3)'],
  ['--lr <eta>', 'lr', number, 'gradient descent step η'],
  ['--gd-steps <T>', 'gdSteps', nonNegativeInteger, 'GD step cap per iteration (default 70000)'],
  ['--tol <tol>', 'tol', number, 'GD plateau tolerance, 0 = fixed schedule (default 1e-6)'],
  ['--kappa <k>', 'kappa', number, 'escape guard of the plateau rule (default 0.01)'],
  ['--check-every <s>', 'checkEvery', positiveInteger, 'GD steps between checks (default 500)'],
  ['--restarts <R>', 'restarts', positiveInteger, 'PGA restarts (default 50)'],
  ['--pga-steps <s>', 'pgaSteps', nonNegativeInteger, 'PGA step cap (default 2500)'],
  ['--pga-lr <eta>', 'pgaLr', number, 'PGA step size (default 0.2)'],
  ['--pga-tol <t>', 'pgaTol', number, 'PGA convergence tolerance on the step (default 1e-10)'],
  ['--first-pga-lr <eta>', 'firstPgaLr', number, 'PGA step size at iteration 1 (default: --pga-lr)'],
  ['--first-pga-steps <s>', 'firstPgaSteps', nonNegativeInteger, 'PGA step cap at iteration 1 (default: --pga-steps)'],
  ['--max-halvings <h>', 'maxLrHalvings', nonNegativeInteger, 'divergence guard: halvings of η per GD stage (default 4)'],
  ['--ncf-threshold <r>', 'ncfThreshold', number, 'a direction whose NCF is at most this fraction of its bound cannot escape (default 1e-6)'],
  ['--stop-on <what>', 'stopOn', choice(['regression', 'classification'] as const), 'stop on the training error target, or at 0 training classification errors'],
  ['--delta1 <d>', 'delta1', number, 'first-iteration scale δ₁ (default 0.25)'],
  ['--delta-scale <c>', 'deltaScale', number, 'δ = c·‖W̄‖ for later iterations (default 0.1)'],
  ['--shrink <beta>', 'shrink', number, 'δ back-tracking factor β (default 0.5)'],
  ['--top-m <m>', 'candidatesPerIteration', positiveInteger, 'add the m best distinct candidates per iteration (default 1)'],
  ['--zero-slope <rule>', 'tieRule', choice(TIE_RULES), `σ′ at ties when the residual reaches the candidates: ${TIE_RULES.join(', ')} (α, (1+α)/2, 1)`],
  ['--growth <how>', 'growth', choice(GROWTH_MODES), 'neurons (the paper: single neurons by NCF) or paths (also chains of new neurons, by the loss they reach); default paths for α = 0 activations'],
  ['--max-path <k>', 'maxPath', positiveInteger, 'with --growth paths: longest chain of new neurons (default depth − 1)'],
];

/** Commander's attribute for a flag: '--gd-steps <T>' → 'gdSteps'. */
function attributeName(flag: string): string {
  return flag.split(' ')[0].slice(2).replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description('fit Neuron Pursuit on a task or on CSV data')
    .option('--task <name>', 'a built-in task (demo, hypercube-f1, hypercube-f2, hypersphere-f1, hypersphere-f2, gaussian-f1, gaussian-f2, modular-addition, pvr)')
    .option('--data <train.csv>', 'training data: a header row, then numbers; every non-target column is a feature')
    .option('--test <test.csv>', 'test data with the same columns (with --data)')
    .option('--target <column>', 'target column (repeat for a vector output)', collect, [] as string[])
    .option('--samples <n>', 'training points drawn from the task', positiveInteger)
    .option('--test-samples <n>', 'test points drawn from the task (0 = none; default 10000)', nonNegativeInteger)
    .option('--seed <s>', 'seed of every random draw (data and algorithm)', integer, 0)
    .option('--activation <name>', 'relu, leaky-relu, square, squared-relu, linear or custom')
    .option('--balance', 'rebalance weights after each GD stage')
    .option('--no-balance', 'do not rebalance')
    .option('--joint', 'maximize the joint NCF over all layers (the paper\'s form)')
    .option('--out <dir>', 'write history.json, model.json and summary.json here')
    .option('--json', 'print the summary as JSON on stdout, nothing else')
    .option('--quiet', 'no progress display')
    .option('--algorithm <name>', 'np (Neuron Pursuit) or gd (the small-initialization GD baseline, spec §7)', 'np')
    .option('--lrs <list>', 'gd: comma-separated step sizes to try; the lowest test error is reported (default: the task\'s η)', stepSizes)
    .option('--width <k>', 'gd: neurons per hidden layer (default 50)', positiveInteger)
    .option('--radius <r>', 'gd: radius of the initial weight sphere (default 0.01; 0.1 for depth ≥ 4)', number)
    .option('--schedule <which>', 'task: its tuned defaults, or the paper\'s own fixed GD schedule and PGA settings (slower)', choice(['default', 'paper'] as const), 'default')
    .option('--no-report', 'with --out: skip report.html and the figures');
  for (const [flag, , parse, help] of ALGORITHM_FLAGS) cmd.option(flag, help, parse);
  return cmd.action((opts: Record<string, unknown>) => (opts.algorithm === 'gd' ? trainGd(opts) : train(opts)));
}

interface Loaded {
  source: Record<string, unknown>;
  train: { X: Matrix; Y: Matrix };
  test?: { X: Matrix; Y: Matrix };
  defaults: NeuronPursuitOptions;
  features?: string[];
  targets?: string[];
}

function loadData(opts: Record<string, unknown>): Loaded {
  const seed = opts.seed as number;
  if (opts.task !== undefined && opts.data !== undefined) throw new Error('give --task or --data, not both');
  if (typeof opts.task === 'string') {
    for (const flag of ['test', 'target'] as const) {
      if (opts[flag] !== undefined && !(Array.isArray(opts[flag]) && opts[flag].length === 0)) throw new Error(`--${flag} goes with --data, not --task`);
    }
    const task = getTask(opts.task);
    const samples = (opts.samples as number | undefined) ?? task.defaultSamples;
    const testSamples = (opts.testSamples as number | undefined) ?? task.defaultTestSamples;
    const { train, test } = task.generate(samples, testSamples, new Rng(seed, `data/${task.name}`));
    return {
      source: { task: task.name, samples: train.X.rows, testSamples: test.X.rows },
      train,
      test: test.X.rows > 0 ? test : undefined,
      defaults: opts.schedule === 'paper' ? { ...task.defaults, ...task.paperSchedule } : task.defaults,
    };
  }
  if (typeof opts.data === 'string') {
    if (opts.samples !== undefined || opts.testSamples !== undefined) throw new Error('--samples and --test-samples go with --task, not --data');
    if (opts.schedule === 'paper') throw new Error('--schedule paper goes with --task, not --data');
    const targets = opts.target as string[];
    if (targets.length === 0) throw new Error('--data needs at least one --target column');
    const trainSet = splitColumns(parseCsv(readText(opts.data), opts.data), targets, opts.data);
    let test: Loaded['test'];
    if (typeof opts.test === 'string') {
      const t = splitColumns(parseCsv(readText(opts.test), opts.test), targets, opts.test, trainSet.features);
      test = { X: t.X, Y: t.Y };
    }
    return {
      source: { data: opts.data, test: opts.test, targets, samples: trainSet.X.rows, testSamples: test?.X.rows ?? 0 },
      train: trainSet,
      test,
      defaults: {},
      features: trainSet.features,
      targets,
    };
  }
  throw new Error('give a task (--task NAME) or data (--data FILE.csv --target COLUMN)');
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file` : `${path}: ${(err as Error).message}`);
  }
}

function stepSizes(value: string): number[] {
  const lrs = value.split(',').map((v) => number(v.trim()));
  if (lrs.some((lr) => !(lr > 0))) throw new InvalidArgumentError(`'${value}': every step size must be > 0.`);
  return lrs;
}

/** The run folder, with its report unless --no-report. */
async function writeRunFolder(opts: Record<string, unknown>, files: Record<string, string>): Promise<void> {
  const out = opts.out as string;
  writeFilesAtomic(out, files);
  if (opts.report !== false) await writeReport(runDirReport(out), out, 'report.html');
}

/** `train --algorithm gd`: the small-initialization GD baseline, one network per step size. */
async function trainGd(opts: Record<string, unknown>): Promise<void> {
  const loaded = loadData(opts);
  for (const [flag, option] of ALGORITHM_FLAGS) {
    if (opts[attributeName(flag)] !== undefined && !['depth', 'alpha', 'p', 'targetError', 'lr', 'gdSteps', 'checkEvery'].includes(option)) throw new Error(`${flag.split(' ')[0]} is an NP option; --algorithm gd does not use it`);
  }
  if (opts.lr !== undefined && opts.lrs !== undefined) throw new Error('give --lr or --lrs, not both');
  const d = loaded.defaults;
  const options = {
    depth: (opts.depth as number | undefined) ?? d.depth ?? 3,
    activation: (opts.activation as string | undefined) ?? d.activation ?? 'relu',
    alpha: (opts.alpha as number | undefined) ?? d.alpha,
    p: opts.p as number | undefined,
    lrs: (opts.lrs as number[] | undefined) ?? [(opts.lr as number | undefined) ?? d.lr ?? 0.1],
    width: (opts.width as number | undefined) ?? SMALL_INIT_GD_DEFAULTS.width,
    radius: opts.radius as number | undefined,
    maxSteps: (opts.gdSteps as number | undefined) ?? SMALL_INIT_GD_DEFAULTS.maxSteps,
    targetError: (opts.targetError as number | undefined) ?? d.targetError ?? 1e-3,
    checkEvery: (opts.checkEvery as number | undefined) ?? SMALL_INIT_GD_DEFAULTS.checkEvery,
    classification: d.classification ?? false,
    seed: opts.seed as number,
  };
  if (options.radius !== undefined && !(options.radius > 0)) throw new Error('--radius must be > 0');
  const start = performance.now();
  const result = smallInitGd(loaded.train.X, loaded.train.Y, options, loaded.test);
  const seconds = (performance.now() - start) / 1000;
  const best = result.best;
  const summary = {
    ...loaded.source,
    algorithm: 'gd',
    seed: opts.seed,
    lr: best.lr,
    stopReason: best.gd.stopReason,
    gdSteps: best.gd.steps,
    trainError: best.trainError,
    ...(best.testError !== undefined ? { testError: best.testError } : {}),
    ...(best.trainClassError !== undefined ? { trainClassError: best.trainClassError } : {}),
    ...(best.testClassError !== undefined ? { testClassError: best.testClassError } : {}),
    widths: result.network.hiddenWidths,
    attempts: result.attempts.map(({ trace: _t, ...a }) => a),
    seconds,
    options: { ...options, radius: options.radius ?? smallInitRadius(options.depth) },
  };
  if (typeof opts.out === 'string') {
    const model = { ...result.network.toJSON(), ...(loaded.features ? { features: loaded.features, targets: loaded.targets } : {}) };
    await writeRunFolder(opts, {
      'history.json': JSON.stringify({ stopReason: best.gd.stopReason, history: best.trace }, null, 2) + '\n',
      'model.json': JSON.stringify(model) + '\n',
      'summary.json': JSON.stringify(summary, null, 2) + '\n',
    });
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  const lines = ['     η    steps  stop       train err   test err'];
  for (const a of result.attempts) {
    lines.push(`${String(a.lr).padStart(6)}  ${String(a.gd.steps).padStart(7)}  ${a.gd.stopReason.padEnd(9)}  ${sci(a.trainError, 3).padStart(9)}  ${sci(a.testError, 3).padStart(9)}${a === best ? '  ← reported' : ''}`);
  }
  lines.push('', `small-init GD, ${summary.widths.join('×')} hidden, radius ${summary.options.radius}: best η = ${best.lr}`);
  lines.push(`training error: ${sci(best.trainError, 3)}`);
  if (best.testError !== undefined) lines.push(`test error: ${sci(best.testError, 3)}`);
  if (best.testClassError !== undefined) lines.push(`test classification error: ${(100 * best.testClassError).toFixed(2)}%`);
  lines.push(`${seconds.toFixed(1)} s`);
  if (typeof opts.out === 'string') lines.push(`wrote ${opts.out}/{history,model,summary}.json${opts.report !== false ? ' and report.html' : ''}`);
  process.stdout.write(lines.join('\n') + '\n');
}

async function train(opts: Record<string, unknown>): Promise<void> {
  if (opts.algorithm !== 'np') throw new Error(`--algorithm: '${String(opts.algorithm)}' is not np or gd`);
  for (const flag of ['lrs', 'width', 'radius'] as const) if (opts[flag] !== undefined) throw new Error(`--${flag} goes with --algorithm gd`);
  const loaded = loadData(opts);
  const options: NeuronPursuitOptions = { ...loaded.defaults, seed: opts.seed as number };
  // A run folder gets a report, whose walk-through needs each iteration's KKT vector and weights.
  if (typeof opts.out === 'string') options.recordWeights = true;
  for (const [flag, option] of ALGORITHM_FLAGS) {
    const value = opts[attributeName(flag)];
    if (value !== undefined) (options as Record<string, unknown>)[option] = value;
  }
  if (typeof opts.activation === 'string') options.activation = opts.activation as NeuronPursuitOptions['activation'];
  if (typeof opts.balance === 'boolean') options.balance = opts.balance;
  if (opts.joint === true) options.joint = true;
  let estimator: NeuronPursuit;
  try {
    estimator = new NeuronPursuit(options);
  } catch (err) {
    // Name the flag the user typed, not the library's option.
    throw new Error((err as Error).message.replace(/^option ([A-Za-z]+)/, (_, name: string) => {
      const entry = ALGORITHM_FLAGS.find(([, option]) => option === name);
      return entry ? entry[0].split(' ')[0] : flagName(name);
    }));
  }

  const progress = progressReporter(!opts.quiet && process.stderr.isTTY === true);
  const start = performance.now();
  let fitted;
  try {
    fitted = estimator.fit(loaded.train.X, loaded.train.Y, { testX: loaded.test?.X, testY: loaded.test?.Y, onEvent: progress.onEvent });
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - start) / 1000;
  const last = fitted.history.at(-1);
  const summary = {
    ...loaded.source,
    seed: opts.seed,
    iterations: fitted.iterations,
    stopReason: fitted.stopReason,
    stopMessage: fitted.stopMessage,
    trainError: last?.trainError ?? 1,
    ...(loaded.test ? { testError: last?.testError ?? 1 } : {}),
    ...(last?.trainClassError !== undefined ? { trainClassError: last.trainClassError } : {}),
    ...(last?.testClassError !== undefined ? { testClassError: last.testClassError } : {}),
    widths: fitted.network.hiddenWidths,
    seconds,
    options: fitted.options,
  };
  if (typeof opts.out === 'string') {
    const model = { ...fitted.network.toJSON(), ...(loaded.features ? { features: loaded.features, targets: loaded.targets } : {}) };
    await writeRunFolder(opts, {
      'history.json': JSON.stringify({ stopReason: fitted.stopReason, stopMessage: fitted.stopMessage, history: fitted.history }, null, 2) + '\n',
      'model.json': JSON.stringify(model) + '\n',
      'summary.json': JSON.stringify(summary, null, 2) + '\n',
    });
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  const lines = [historyTable(fitted.history), '', `stopped: ${fitted.stopReason} (${fitted.stopMessage})`];
  lines.push(`training error: ${sci(summary.trainError, 3)}`);
  if (summary.testError !== undefined) lines.push(`test error: ${sci(summary.testError, 3)}`);
  if (summary.testClassError !== undefined) lines.push(`test classification error: ${(100 * summary.testClassError).toFixed(2)}%`);
  lines.push(`widths: ${summary.widths.join('×')}, ${fitted.iterations} iteration(s), ${seconds.toFixed(1)} s`);
  if (typeof opts.out === 'string') lines.push(`wrote ${opts.out}/{history,model,summary}.json${opts.report !== false ? ' and report.html' : ''}`);
  process.stdout.write(lines.join('\n') + '\n');
}
