/** `neuron-pursuit train`: fit a network algorithm on a task or on CSV data, print it, write the run folder. */
import { join } from 'node:path';
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
import {
  GRADMAX_TIES,
  GROWTH_MODES,
  type NeuronPursuitOptions,
  type ResolvedOptions,
  resolveOptions,
} from '../pursuit/options.js';
import { type FittedNeuronPursuit, NeuronPursuit } from '../pursuit/neuron-pursuit.js';
import type { IterationRecord } from '../pursuit/history.js';
import { TASK_NAMES } from '../tasks/tasks.js';
import { type Checkpoint, checkpointFile } from '../io/checkpoint-format.js';
import { FileSystemError, checkDestination, removeQuietly } from '../io/files.js';
import { codeVersion } from '../io/code-version.js';
import { type ModelJSON, modelFromJson, modelToJson } from '../io/model-format.js';
import { offsetTargets } from '../model/preprocessing.js';
import {
  checkRunFolder,
  openRunFolder,
  readCheckpoint,
  removeCheckpoint,
  removeRunLeftovers,
  writeCheckpoint,
  writeRunFolder,
} from '../io/run-folder.js';
import { historyFile, summaryFile } from '../io/run-format.js';
import { Interrupted, fitInWorker } from './fit-runner.js';
import { type TrainingData, dataFromOptions, dataFromSource } from './train-data.js';
import { fitText, flagName } from './format.js';
import { progressReporter } from './progress.js';
import {
  choice,
  collect,
  delimiter,
  integer,
  nonNegativeInteger,
  nonNegativeNumber,
  number,
  positiveInteger,
} from './options.js';
import { TIE_RULES } from '../ncf/candidates.js';
import { HALVE_ON } from '../optim/gradient-descent.js';
import { shown } from '../io/csv.js';

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
    '--halve-on <what>',
    'halveOn',
    choice(HALVE_ON),
    'divergence guard: restore the last check and halve η when the loss rises at a check (rise) or only when it ' +
      `is no longer finite (blow-up) (default ${NP.halveOn})`,
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
    '--gradmax-tie <which>',
    'gradmaxTie',
    choice(GRADMAX_TIES),
    "gradmax: σ′(0) of its gradient and of the new fan-in's first step: one (the method's) or the activation's " +
      '(0 for relu: no fan-out gives a gradient) (default one; docs/algorithm.md §15)',
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
    .option(
      '--samples <n>',
      'training points drawn from the task (modular addition: training pairs, every other pair tests)',
      positiveInteger,
    )
    .option('--test-samples <n>', 'test points drawn from the task (0 = none; default 10000)', nonNegativeInteger)
    .option(
      '--noise <sigma>',
      'Gaussian noise of this standard deviation on the training targets (default 0)',
      nonNegativeNumber,
    )
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
    .option(
      '--out <dir>',
      'a new run folder: checkpoint.json after every NP iteration, then history.json, model.json, summary.json ' +
        'and report.html',
    )
    .option('--force', 'with --out: replace the run already in that folder')
    .option(
      '--resume <dir>',
      'continue the unfinished run of a --out folder from its checkpoint, with its own options and data; it ends ' +
        'as the uninterrupted run would have (with --quiet, --json, --no-report only)',
    )
    .option('--json', 'print the summary as JSON on stdout, nothing else')
    .option('--quiet', 'no progress display')
    .option(
      '--algorithm <name>',
      'np (Neuron Pursuit); gradmax, tiny or random (the same growth loop, another choice of the new neuron, ' +
        'docs/algorithm.md §15); or gd (the small-initialization GD baseline, docs/algorithm.md §9)',
      'np',
    )
    .option(
      '--lrs <list>',
      "gd: comma-separated step sizes to try; the lowest test error is reported (default: the task's η)",
      stepSizes,
    )
    .option('--width <k>', `gd: neurons per hidden layer (default ${SMALL_INIT_GD_DEFAULTS.width})`, positiveInteger)
    .option('--widths <list>', 'gd: comma-separated neurons of each hidden layer (over --width), e.g. 4,2', widthList)
    .option('--radius <r>', 'gd: radius of the initial weight sphere (default 0.01; 0.1 for depth ≥ 4)', number)
    .option(
      '--schedule <which>',
      "with --task: its measured defaults, or the paper's own fixed GD budget and PGA settings (slower)",
      choice(['default', 'paper'] as const),
      'default',
    )
    .option('--no-report', 'with --out: skip report.html and the figures');
  for (const [flag, , parse, help] of ALGORITHM_FLAGS) cmd.option(flag, help, parse);
  cmd.addHelpText(
    'after',
    '\nErrors: the relative squared error Σ‖H(x) − y‖² / Σ‖y‖² over the training or test set (0 is a perfect fit,\n' +
      '1 what the zero function scores; with --standardize, of the standardized targets); for classification tasks\n' +
      "also the classification error, the fraction of points whose largest output is not the target's.\n" +
      'The method, every default and the departures from the paper: docs/algorithm.md (§2 errors).',
  );
  return cmd.action((opts: Record<string, unknown>) => train(opts, cmd));
}

function widthList(value: string): number[] {
  const widths = value.split(',').map((v) => Number(v.trim()));
  if (widths.some((k) => !Number.isInteger(k) || k < 1))
    throw new InvalidArgumentError(`'${value}': every width must be a positive integer.`);
  return widths;
}

function stepSizes(value: string): number[] {
  const lrs = value.split(',').map((v) => number(v.trim()));
  if (lrs.some((lr) => !(lr > 0))) throw new InvalidArgumentError(`${shown(value)}: every step size must be > 0.`);
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
  for (const option of ['lrs', 'width', 'widths', 'radius', 'activation'] as const)
    set(option, `--${option}`, opts[option]);
  set('balance', opts.balance === false ? '--no-balance' : '--balance', opts.balance);
  for (const flag of ['joint', 'intercept', 'standardize'] as const)
    if (opts[flag] === true) set(flag, `--${flag}`, true);
  return { given: given as RunOptions, flags };
}

async function train(opts: Record<string, unknown>, cmd: Command): Promise<void> {
  if (typeof opts.resume === 'string') return resume(opts.resume, opts, cmd);
  let algorithm: NetworkAlgorithm;
  try {
    algorithm = networkAlgorithm(String(opts.algorithm));
  } catch (err) {
    throw new Error(`--algorithm: ${(err as Error).message}`);
  }
  const out = typeof opts.out === 'string' ? opts.out : undefined;
  if (opts.force === true && out === undefined) throw new Error('--force goes with --out');
  // The destination first: a fit of minutes must not end on a folder it cannot write.
  if (out !== undefined) checkRunFolder(out, opts.force === true);
  const { given, flags } = givenOptions(opts);
  for (const [option, flag] of flags) {
    if (algorithm.takes.includes(option)) continue;
    const owners = NETWORK_ALGORITHMS.filter((name) => ALGORITHMS[name].takes.includes(option));
    throw new Error(
      `${flag} goes with --algorithm ${owners.join(' or ')}; --algorithm ${algorithm.name} does not use it`,
    );
  }
  if (opts.lr !== undefined && opts.lrs !== undefined) throw new Error('give --lr or --lrs, not both');
  const data = dataFromOptions(opts);
  // A run folder gets a report, whose walk-through needs each iteration's KKT vector and weights.
  if (out !== undefined && algorithm.name === 'np') given.recordWeights = true;
  let estimator: Estimator<FittedNetwork>;
  try {
    estimator = algorithm.create(algorithm.optionsFor(data.defaults, given));
  } catch (err) {
    // Name the flag the user typed, not the library's option.
    throw new Error(
      (err as Error).message.replace(
        /^option ([A-Za-z]+)/,
        (_, name: string) => flags.get(name as keyof RunOptions) ?? flagName(name),
      ),
    );
  }
  if (data.targets && !given.intercept && !given.standardize) hintOffset(data);
  const session: Session = { out, report: opts.report !== false, json: opts.json === true, quiet: opts.quiet === true };
  if (estimator instanceof NeuronPursuit) {
    await fitPursuit(session, data, estimator.options);
    return;
  }
  const progress = progressReporter(!session.quiet && process.stderr.isTTY === true);
  const start = performance.now();
  let fitted: FittedNetwork;
  try {
    fitted = estimator.fit(data.train.X, data.train.Y, {
      testX: data.test?.X,
      testY: data.test?.Y,
      onEvent: progress.onEvent,
    });
  } finally {
    progress.stop();
  }
  if (out !== undefined) openRunFolder(out);
  await finish(session, data, fitted, (performance.now() - start) / 1000);
}

/** What a run of `train` was asked to write and print. */
interface Session {
  out?: string;
  report: boolean;
  json: boolean;
  quiet: boolean;
}

/**
 * Neuron Pursuit on a worker thread; with --out, checkpoint.json after every iteration (and before the first),
 * so that a fit killed at any point can be continued with --resume.
 */
async function fitPursuit(
  session: Session,
  data: TrainingData,
  options: ResolvedOptions,
  from?: { checkpoint: Checkpoint },
): Promise<void> {
  const { out } = session;
  const columns = data.features && data.targets ? { features: data.features, targets: data.targets } : undefined;
  const earlier = from?.checkpoint.seconds ?? 0;
  const start = performance.now();
  let completed = from?.checkpoint.history.length ?? 0;
  /** Completed iterations in the checkpoint on the disk (undefined before the first is written). */
  let kept = from?.checkpoint.history.length;
  const checkpoint = (model: ModelJSON | undefined, history: IterationRecord[]) =>
    checkpointFile({
      source: data.source,
      options,
      seconds: earlier + (performance.now() - start) / 1000,
      ...(model ? { model: columns ? { ...model, ...columns } : model } : {}),
      history,
    });
  // A fresh fit opens its run folder (replacing an earlier run, with --force) once the worker has checked the data
  // and options and started: a fit refused at once (a target of zeros, say) leaves the folder as it was.
  let opened = from !== undefined;
  const open = () => {
    if (out === undefined || opened) return;
    openRunFolder(out);
    writeCheckpoint(out, checkpoint(undefined, []));
    kept = 0;
    opened = true;
  };
  const progress = progressReporter(!session.quiet && process.stderr.isTTY === true);
  let fitted: FittedNeuronPursuit;
  try {
    const resumeFrom = from?.checkpoint.model && { model: from.checkpoint.model, history: from.checkpoint.history };
    fitted = await fitInWorker(
      {
        options,
        X: data.train.X,
        Y: data.train.Y,
        ...(data.test ? { testX: data.test.X, testY: data.test.Y } : {}),
        ...(resumeFrom ? { resume: resumeFrom } : {}),
      },
      {
        onStart: open,
        onEvent: progress.onEvent,
        onIteration: (model, history) => {
          completed = history.length;
          if (out === undefined) return;
          writeCheckpoint(out, checkpoint(model, history));
          kept = history.length;
        },
      },
    );
  } catch (err) {
    progress.stop();
    if (!(err instanceof Interrupted)) {
      // A checkpoint that could not be written (a full disk, say): the last one is kept, to resume from.
      if (out !== undefined && kept !== undefined && err instanceof FileSystemError)
        throw resumable(err, out, kept, options.maxIterations);
      // A fresh fit that failed before its first iteration (bad data, say) leaves no folder behind.
      if (out !== undefined && !from && opened && completed === 0) removeQuietly(out);
      throw err;
    }
    const text = opened || out === undefined ? interruptedText(out, completed, options.maxIterations) : undefined;
    process.stderr.write(`${text ?? `interrupted before the fit started: ${out} was left as it was`}\n`);
    process.exitCode = err.exitCode;
    return;
  }
  progress.stop();
  try {
    await finish(session, data, fitted, earlier + (performance.now() - start) / 1000, columns);
  } catch (err) {
    // The run files could not be written: the checkpoint stays until they are, so the run can be finished.
    throw out !== undefined && kept !== undefined && err instanceof FileSystemError
      ? resumable(err, out, kept, options.maxIterations)
      : err;
  }
}

/** A failed write into a run folder whose checkpoint is kept: what went wrong, what is kept, how to go on. */
function resumable(err: FileSystemError, out: string, kept: number, maxIterations: number): Error {
  return new Error(
    `${err.message}; ${out}/checkpoint.json keeps ${kept} completed iteration(s) of at most ${maxIterations}: ` +
      `${err.remedy}, continue with: neuron-pursuit train --resume ${out}`,
  );
}

/** What Ctrl-C leaves, and how to go on. */
function interruptedText(out: string | undefined, completed: number, maxIterations: number): string {
  if (out === undefined) {
    const kept = 'nothing was kept (with --out DIR, a checkpoint is kept after every iteration)';
    return `interrupted after ${completed} completed iteration(s) of at most ${maxIterations}; ${kept}`;
  }
  return (
    `interrupted: ${out}/checkpoint.json keeps ${completed} completed iteration(s) of at most ${maxIterations}; ` +
    `continue with: neuron-pursuit train --resume ${out}`
  );
}

/** Write the run folder (with --out) and print the fit. */
async function finish(
  session: Session,
  data: TrainingData,
  fitted: FittedNetwork,
  seconds: number,
  columns = data.features && data.targets ? { features: data.features, targets: data.targets } : undefined,
): Promise<void> {
  const fit = fitted.summary();
  const summary = summaryFile(codeVersion(), data.summary, fit, seconds, fitted.options);
  const { out } = session;
  if (out !== undefined) {
    writeRunFolder(out, {
      summary,
      history: historyFile(fit, fitted.history),
      model: modelToJson(fitted.network, columns, fitted.preprocessing),
    });
    if (session.report) {
      // Imported here: the report's figures (vega) are the slowest part of the command's start.
      const { runDirReport, writeReport } = await import('./report.js');
      await writeReport(runDirReport(out), out, 'report.html');
    }
    // Last: until everything is written, the checkpoint lets --resume finish the run.
    removeCheckpoint(out);
  }
  if (session.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const lines = fitText(fitted, seconds);
  if (out !== undefined)
    lines.push(`wrote ${out}/{history,model,summary}.json${session.report ? ' and report.html' : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The options `--resume` leaves as they are: it continues a run with the run's own options and data. */
const RESUME_FLAGS = new Set(['resume', 'quiet', 'json', 'report']);

/** `train --resume DIR`: continue the fit of a run folder from its checkpoint. */
async function resume(dir: string, opts: Record<string, unknown>, cmd: Command): Promise<void> {
  const other = cmd.options.find((o) => {
    const name = o.attributeName();
    return !RESUME_FLAGS.has(name) && cmd.getOptionValueSource(name) === 'cli';
  });
  if (other)
    throw new Error(`--resume continues a run with its own options and data; ${other.long} cannot be given with it`);
  const checkpoint = readCheckpoint(dir);
  const file = join(dir, 'checkpoint.json');
  if (checkpoint.model) {
    try {
      modelFromJson(checkpoint.model);
    } catch (err) {
      throw new Error(`${file}: field 'model': ${(err as Error).message.replace(/^invalid model file: /, '')}`);
    }
  }
  const data = dataFromSource(checkpoint.source);
  let estimator: NeuronPursuit;
  try {
    estimator = new NeuronPursuit(checkpoint.options as NeuronPursuitOptions);
  } catch (err) {
    throw new Error(`${file}: field 'options': ${(err as Error).message}`);
  }
  checkDestination(dir, 'folder');
  removeRunLeftovers(dir);
  const session: Session = {
    out: dir,
    report: opts.report !== false,
    json: opts.json === true,
    quiet: opts.quiet === true,
  };
  try {
    await fitPursuit(session, data, estimator.options, { checkpoint });
  } catch (err) {
    // The fit checks that the checkpoint's state fits its data and options ('cannot resume: …'): name the file.
    const message = (err as Error).message;
    throw message.startsWith('cannot resume') ? new Error(`${file}: ${message}`) : err;
  }
}

/** One line when a target's mean dwarfs its spread and the network, which has no bias, is given no offset. */
function hintOffset(data: TrainingData): void {
  const offset = offsetTargets(data.train.Y)[0];
  if (!offset) return;
  const name = data.targets?.[offset.column] ?? `${offset.column + 1}`;
  process.stderr.write(
    `hint: target '${name}' has mean ${offset.mean.toPrecision(3)} against a spread of ` +
      `${offset.spread.toPrecision(3)}, and the network has no bias: --intercept --standardize let it fit the ` +
      'offset (docs/algorithm.md §13)\n',
  );
}
