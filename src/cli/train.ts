/** `neuron-pursuit train`: fit a network algorithm on a task or on CSV data, print it, write the run folder. */
import { Command, InvalidArgumentError } from 'commander';
import { SMALL_INIT_GD_DEFAULTS } from '../baselines/small-init-gd.js';
import type { Estimator } from '../estimators/estimator.js';
import {
  ALGORITHMS,
  type FittedNetwork,
  NETWORK_ALGORITHMS,
  type NetworkAlgorithm,
  type RunOptions,
  networkAlgorithm,
} from '../estimators/registry.js';
import { runDirReport, writeReport } from './report.js';
import { Rng } from '../linalg/rng.js';
import type { Matrix } from '../linalg/matrix.js';
import { GROWTH_MODES, type NeuronPursuitOptions, resolveOptions } from '../pursuit/options.js';
import { getTask, TASK_NAMES } from '../tasks/tasks.js';
import { selectColumns, splitColumns } from '../io/csv.js';
import { readCsvFile } from '../io/files.js';
import { codeVersion } from '../io/code-version.js';
import { modelToJson } from '../io/model-format.js';
import { offsetTargets } from '../model/preprocessing.js';
import { writeRunFolder } from '../io/run-folder.js';
import { historyFile, summaryFile } from '../io/run-format.js';
import { fitText, flagName } from './format.js';
import { progressReporter } from './progress.js';
import { choice, collect, delimiter, integer, nonNegativeInteger, number, positiveInteger } from './options.js';
import { TIE_RULES } from '../ncf/candidates.js';

/** NP's defaults, for the help texts. */
const NP = resolveOptions();
const show = (v: number) => (v !== 0 && Math.abs(v) < 0.01 ? v.toExponential() : String(v));

/** CLI flag → run option (NP's vocabulary, src/estimators/registry.ts), with its parser. */
const ALGORITHM_FLAGS: [
  flag: string,
  option: keyof NeuronPursuitOptions,
  parse: (v: string) => unknown,
  help: string,
][] = [
  ['--depth <L>', 'depth', integer, 'number of layers L ≥ 2'],
  ['--alpha <a>', 'alpha', number, 'negative slope α of leaky-relu / custom activations, in [-1, 1]'],
  ['--p <p>', 'p', number, 'degree p ≥ 1 of a custom activation'],
  ['--max-iterations <K>', 'maxIterations', positiveInteger, `NP iteration cap K (default ${show(NP.maxIterations)})`],
  ['--target-error <eps>', 'targetError', number, `relative training error target ε (default ${show(NP.targetError)})`],
  ['--lr <eta>', 'lr', number, 'gradient descent step η'],
  ['--gd-steps <T>', 'gdSteps', nonNegativeInteger, `GD step cap per iteration (default ${show(NP.gdSteps)})`],
  ['--tol <tol>', 'tol', number, `GD plateau tolerance, 0 = fixed schedule (default ${show(NP.tol)})`],
  ['--kappa <k>', 'kappa', number, `escape guard of the plateau rule (default ${show(NP.kappa)})`],
  ['--check-every <s>', 'checkEvery', positiveInteger, `GD steps between checks (default ${show(NP.checkEvery)})`],
  ['--restarts <R>', 'restarts', positiveInteger, `PGA restarts (default ${show(NP.restarts)})`],
  ['--pga-steps <s>', 'pgaSteps', nonNegativeInteger, `PGA step cap (default ${show(NP.pgaSteps)})`],
  ['--pga-lr <eta>', 'pgaLr', number, `PGA step size (default ${show(NP.pgaLr)})`],
  ['--pga-tol <t>', 'pgaTol', number, `PGA convergence tolerance on the step (default ${show(NP.pgaTol)})`],
  ['--delta1 <d>', 'delta1', number, `first-iteration scale δ₁ (default ${show(NP.delta1)})`],
  ['--delta-scale <c>', 'deltaScale', number, `δ = c·‖W̄‖ for later iterations (default ${show(NP.deltaScale)})`],
  ['--shrink <beta>', 'shrink', number, `δ back-tracking factor β (default ${show(NP.shrink)})`],
  [
    '--first-pga-lr <eta>',
    'firstPgaLr',
    number,
    'PGA step size at iteration 1 (default: --pga-lr; the paper uses its own on PVR)',
  ],
  ['--first-pga-steps <s>', 'firstPgaSteps', nonNegativeInteger, 'PGA step cap at iteration 1 (default: --pga-steps)'],
  [
    '--max-halvings <h>',
    'maxLrHalvings',
    nonNegativeInteger,
    `divergence guard: halvings of η per GD stage (default ${show(NP.maxLrHalvings)})`,
  ],
  [
    '--ncf-threshold <r>',
    'ncfThreshold',
    number,
    `a direction whose NCF is at most this fraction of its bound cannot escape (default ${show(NP.ncfThreshold)})`,
  ],
  [
    '--stop-on <what>',
    'stopOn',
    choice(['regression', 'classification'] as const),
    "stop at the training error target (regression) or at 0 training classification errors (default: the task's)",
  ],
  [
    '--zero-slope <rule>',
    'tieRule',
    choice(TIE_RULES),
    `σ′ at ties (pre-activation exactly 0) as the residual reaches the candidates: ${TIE_RULES.join(', ')} ` +
      `= α, (1+α)/2, 1 (default ${NP.tieRule}; docs/algorithm.md §5)`,
  ],
  [
    '--growth <how>',
    'growth',
    choice(GROWTH_MODES),
    'neurons (the paper: single neurons by their NCF) or paths (also chains of new neurons, by the loss they reach); ' +
      'default paths for activations with α = 0, neurons otherwise (docs/algorithm.md §5)',
  ],
  [
    '--max-path <k>',
    'maxPath',
    positiveInteger,
    'with --growth paths: longest chain of new neurons (default depth − 1)',
  ],
  [
    '--top-m <m>',
    'candidatesPerIteration',
    positiveInteger,
    `add the m best distinct candidates per iteration (default ${show(NP.candidatesPerIteration)})`,
  ],
];

/** Commander's attribute for a flag: '--gd-steps <T>' → 'gdSteps'. */
function attributeName(flag: string): string {
  return flag
    .split(' ')[0]!
    .slice(2)
    .replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description('fit Neuron Pursuit on a task or on CSV data')
    .option('--task <name>', `a built-in task (${TASK_NAMES.join(', ')})`)
    .option(
      '--data <train.csv>',
      'training data: a header row, then numbers; every column that is neither a --target nor dropped is a feature',
    )
    .option('--test <test.csv>', 'test data with the same columns, matched by name (with --data)')
    .option('--target <column>', 'target column (repeat for a vector output)', collect)
    .option('--drop <column>', 'a column of --data (and --test) to ignore, e.g. an id (repeat for more)', collect)
    .option('--delimiter <c>', "one character or 'tab' (default: tab for .tsv files, else comma)", delimiter)
    .option('--samples <n>', 'training points drawn from the task', positiveInteger)
    .option('--test-samples <n>', 'test points drawn from the task (0 = none; default 10000)', nonNegativeInteger)
    .option('--seed <s>', 'seed of every random draw (data and algorithm)', integer, 0)
    .option('--activation <name>', 'relu, leaky-relu, square, squared-relu, linear or custom')
    .option('--balance', 'rebalance weights after each GD stage')
    .option('--no-balance', 'do not rebalance')
    .option('--joint', "maximize the joint NCF over all layers (the paper's form)")
    .option(
      '--intercept',
      'append a constant-1 input, which plays the role of a bias: the network has none, and stays homogeneous in ' +
        'the augmented input (docs/algorithm.md §13)',
    )
    .option(
      '--standardize',
      'centre and scale every feature and target to mean 0, standard deviation 1 on the training set; model.json ' +
        'keeps the means and scales and predict applies them; errors are then those of the standardized targets',
    )
    .option('--out <dir>', 'write history.json, model.json and summary.json here')
    .option('--json', 'print the summary as JSON on stdout, nothing else')
    .option('--quiet', 'no progress display')
    .option(
      '--algorithm <name>',
      'np (Neuron Pursuit) or gd (the small-initialization GD baseline, docs/algorithm.md §9)',
      'np',
    )
    .option(
      '--lrs <list>',
      "gd: comma-separated step sizes to try; the lowest test error is reported (default: the task's η)",
      stepSizes,
    )
    .option('--width <k>', `gd: neurons per hidden layer (default ${SMALL_INIT_GD_DEFAULTS.width})`, positiveInteger)
    .option('--radius <r>', 'gd: radius of the initial weight sphere (default 0.01; 0.1 for depth ≥ 4)', number)
    .option(
      '--schedule <which>',
      "with --task: its measured defaults, or the paper's own fixed GD budget and PGA settings (slower)",
      choice(['default', 'paper'] as const),
      'default',
    )
    .option('--no-report', 'with --out: skip report.html and the figures');
  for (const [flag, , parse, help] of ALGORITHM_FLAGS) cmd.option(flag, help, parse);
  return cmd.action(train);
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
    for (const flag of ['test', 'target', 'drop', 'delimiter'] as const) {
      if (opts[flag] !== undefined) throw new Error(`--${flag} goes with --data, not --task`);
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
    if (opts.samples !== undefined || opts.testSamples !== undefined)
      throw new Error('--samples and --test-samples go with --task, not --data');
    if (opts.schedule === 'paper') throw new Error('--schedule paper goes with --task, not --data');
    const targets = (opts.target as string[] | undefined) ?? [];
    const drop = (opts.drop as string[] | undefined) ?? [];
    const sep = opts.delimiter as string | undefined;
    if (targets.length === 0) throw new Error('--data needs at least one --target column');
    const trainSet = splitColumns(readCsvFile(opts.data, sep), targets, opts.data, drop);
    let test: Loaded['test'];
    if (typeof opts.test === 'string') {
      // The test file follows predict's rule: the training features by name, the targets, nothing else undropped.
      const rule = { features: trainSet.features, targets, drop, requireTargets: true };
      const t = selectColumns(readCsvFile(opts.test, sep), rule, opts.test);
      test = { X: t.X, Y: t.Y! };
    }
    return {
      source: {
        data: opts.data,
        test: opts.test,
        targets,
        ...(drop.length ? { drop } : {}),
        samples: trainSet.X.rows,
        testSamples: test?.X.rows ?? 0,
      },
      train: trainSet,
      test,
      defaults: {},
      features: trainSet.features,
      targets,
    };
  }
  throw new Error('give a task (--task NAME) or data (--data FILE.csv --target COLUMN)');
}

function stepSizes(value: string): number[] {
  const lrs = value.split(',').map((v) => number(v.trim()));
  if (lrs.some((lr) => !(lr > 0))) throw new InvalidArgumentError(`'${value}': every step size must be > 0.`);
  return lrs;
}

/**
 * The run options set on the command line, each with the flag that set it
 * (the seed is always set: it also draws a task's data).
 */
function givenOptions(opts: Record<string, unknown>): { given: RunOptions; flags: Map<keyof RunOptions, string> } {
  const given: Record<string, unknown> = { seed: opts.seed };
  const flags = new Map<keyof RunOptions, string>();
  const set = (option: keyof RunOptions, flag: string, value: unknown) => {
    if (value === undefined) return;
    given[option] = value;
    flags.set(option, flag);
  };
  for (const [flag, option] of ALGORITHM_FLAGS) set(option, flag.split(' ')[0]!, opts[attributeName(flag)]);
  for (const option of ['lrs', 'width', 'radius', 'activation'] as const) set(option, `--${option}`, opts[option]);
  set('balance', opts.balance === false ? '--no-balance' : '--balance', opts.balance);
  for (const flag of ['joint', 'intercept', 'standardize'] as const)
    if (opts[flag] === true) set(flag, `--${flag}`, true);
  return { given: given as RunOptions, flags };
}

async function train(opts: Record<string, unknown>): Promise<void> {
  let algorithm: NetworkAlgorithm;
  try {
    algorithm = networkAlgorithm(String(opts.algorithm));
  } catch (err) {
    throw new Error(`--algorithm: ${(err as Error).message}`);
  }
  const { given, flags } = givenOptions(opts);
  for (const [option, flag] of flags) {
    if (algorithm.takes.includes(option)) continue;
    const owners = NETWORK_ALGORITHMS.filter((name) => ALGORITHMS[name].takes.includes(option));
    throw new Error(
      `${flag} goes with --algorithm ${owners.join(' or ')}; --algorithm ${algorithm.name} does not use it`,
    );
  }
  if (opts.lr !== undefined && opts.lrs !== undefined) throw new Error('give --lr or --lrs, not both');
  const loaded = loadData(opts);
  // A run folder gets a report, whose walk-through needs each iteration's KKT vector and weights.
  if (typeof opts.out === 'string') given.recordWeights = true;
  let estimator: Estimator<FittedNetwork>;
  try {
    estimator = algorithm.create(algorithm.optionsFor(loaded.defaults, given));
  } catch (err) {
    // Name the flag the user typed, not the library's option.
    throw new Error(
      (err as Error).message.replace(
        /^option ([A-Za-z]+)/,
        (_, name: string) => flags.get(name as keyof RunOptions) ?? flagName(name),
      ),
    );
  }

  if (loaded.targets && !given.intercept && !given.standardize) {
    const offset = offsetTargets(loaded.train.Y)[0];
    if (offset) {
      const name = loaded.targets[offset.column];
      process.stderr.write(
        `hint: target '${name}' has mean ${offset.mean.toPrecision(3)} against a spread of ` +
          `${offset.spread.toPrecision(3)}, and the network has no bias: --intercept --standardize let it fit the ` +
          'offset (docs/algorithm.md §13)\n',
      );
    }
  }
  const progress = progressReporter(!opts.quiet && process.stderr.isTTY === true);
  const start = performance.now();
  let fitted: FittedNetwork;
  try {
    fitted = estimator.fit(loaded.train.X, loaded.train.Y, {
      testX: loaded.test?.X,
      testY: loaded.test?.Y,
      onEvent: progress.onEvent,
    });
  } finally {
    progress.stop();
  }
  const seconds = (performance.now() - start) / 1000;
  const fit = fitted.summary();
  const summary = summaryFile(codeVersion(), loaded.source, fit, seconds, fitted.options);
  if (typeof opts.out === 'string') {
    const columns =
      loaded.features && loaded.targets ? { features: loaded.features, targets: loaded.targets } : undefined;
    writeRunFolder(opts.out, {
      summary,
      history: historyFile(fit, fitted.history),
      model: modelToJson(fitted.network, columns, fitted.preprocessing),
    });
    if (opts.report !== false) await writeReport(runDirReport(opts.out), opts.out, 'report.html');
  }
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const lines = fitText(fitted, seconds);
  if (typeof opts.out === 'string')
    lines.push(`wrote ${opts.out}/{history,model,summary}.json${opts.report !== false ? ' and report.html' : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
