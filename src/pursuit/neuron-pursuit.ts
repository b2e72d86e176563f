/**
 * Neuron Pursuit (docs/algorithm.md §4): start from one neuron per layer, then repeatedly
 * add the neuron that maximizes the constrained NCF of the residual and
 * retrain by gradient descent. The choice of the neuron is the loop's growth rule (option `growthRule`,
 * src/pursuit/growth-rule.ts, docs/algorithm.md §15): NP's NCF pursuit by default, or GradMax, TINY or a random
 * direction in the same loop.
 *
 *   const fitted = new NeuronPursuit({ depth: 3, activation: 'relu' }).fit(X, Y);
 *   fitted.predict(Xtest); fitted.history;
 *
 * Settings live on the estimator; everything learned lives on the fitted model.
 * A fit can be resumed after any completed iteration: every random draw comes
 * from a stream forked by label from the seed (`pga/k/l`), and GD starts afresh
 * in every iteration, so the network and the history so far are the whole state
 * (`PursuitState`; docs/algorithm.md §14).
 * This module touches no file system, store or terminal: it runs in a browser.
 */
import {
  DataError,
  type FitExtras,
  type Fitted,
  type FitSummary,
  type FittedJSON,
  type PreparedData,
  type TargetsLike,
  prepareData,
} from '../estimators/estimator.js';
import { type Matrix, type MatrixLike, matrix, sumOfSquares } from '../linalg/matrix.js';
import { Rng } from '../linalg/rng.js';
import { type Activation, makeActivation } from '../model/activation.js';
import { classificationError, relativeError } from '../model/metrics.js';
import { modelFromJson, modelToJson } from '../io/model-format.js';
import { Network } from '../model/network.js';
import { type Preprocessing, predictRaw } from '../model/preprocessing.js';
import { type OnnxExportOptions, networkToOnnx } from '../export/onnx.js';
import { OriginNcf } from '../ncf/origin.js';
import { type GdResult, gradientDescentChecks } from '../optim/gradient-descent.js';
import { type AdditionFields, type GrowthRule, spread } from './growth-rule.js';
import { GROWTH_RULES, type GrowthRuleName, growthRule } from './growth-rules.js';
import type { IterationRecord, PursuitEvent, StopReason } from './history.js';
import { pursue } from './rules/np.js';
import { type NeuronPursuitOptions, type ResolvedOptions, resolveOptions } from './options.js';

/** Where a fit stands after a completed iteration: all it needs to continue exactly (docs/algorithm.md §14). */
export interface PursuitState {
  /** The network after the last completed iteration (it takes the preprocessed inputs). */
  network: Network;
  /** One record per completed iteration. */
  history: IterationRecord[];
  /** The preprocessing the fit applies (recomputed from the data on resuming, and checked against this). */
  preprocessing?: Preprocessing;
}

/** `fit`'s extras for Neuron Pursuit: a state to resume from, and a callback with the state after every iteration. */
export interface PursuitFitExtras extends FitExtras {
  /** Continue from here: iterations 1 … history.length count as done. The data and options must be the same. */
  resume?: PursuitState;
  /** Called after every completed iteration with a copy of the state (a checkpoint to resume from). */
  onIteration?: (state: PursuitState) => void;
}

export class NeuronPursuit {
  readonly options: ResolvedOptions;

  constructor(options: NeuronPursuitOptions = {}) {
    this.options = resolveOptions(options);
    this.activation(); // reject a bad activation now, not at fit time
  }

  activation(): Activation {
    const o = this.options;
    return makeActivation({ name: o.activation, p: o.p, alpha: o.alpha });
  }

  fit(X: MatrixLike, Y: TargetsLike, extras: PursuitFitExtras = {}): FittedNeuronPursuit {
    const run = this.start(X, Y, extras);
    for (;;) {
      const next = run.next();
      if (next.done) return next.value;
      extras.onEvent?.(next.value);
    }
  }

  /**
   * The same fit, advanced one event at a time by its caller (`next()`), who can stop between any two events —
   * between two GD checks, say — and go on later with the same result: the playground's worker pauses a fit so.
   * `fit` is this run through; `onEvent` is not called (the caller gets every event from `next()`).
   */
  start(X: MatrixLike, Y: TargetsLike, extras: Omit<PursuitFitExtras, 'onEvent'> = {}): PursuitRun {
    const data = prepareData(X, Y, extras, this.options);
    if (sumOfSquares(data.Y.data) === 0) {
      throw new DataError(
        this.options.standardize
          ? 'the target is constant: there is nothing to learn'
          : 'the target is zero everywhere: there is nothing to learn',
      );
    }
    return new PursuitRun(this.options, this.activation(), data, extras);
  }
}

/** The NP summary: `FitSummary` with the seed, the iteration count and the stop message, as `train` prints it. */
export interface NeuronPursuitSummary extends FitSummary {
  seed: number;
  iterations: number;
  stopMessage: string;
}

export class FittedNeuronPursuit implements Fitted {
  /** The growth rule that chose its neurons, which names the algorithm ('np', 'gradmax', 'tiny', 'random'). */
  readonly algorithm: GrowthRuleName;

  constructor(
    readonly network: Network,
    readonly history: IterationRecord[],
    readonly stopReason: StopReason,
    /** One line saying why the fit stopped. */
    readonly stopMessage: string,
    readonly options: ResolvedOptions,
    /** Whether the fit was given a test set (its error is then in every history row). */
    readonly tested = false,
    /** What raw inputs and the network's outputs go through (options `intercept`, `standardize`). */
    readonly preprocessing?: Preprocessing,
  ) {
    this.algorithm = options.growthRule ?? 'np';
  }

  /** A fitted model from its `toJSON()` (options, summary, history and model), as a worker or a file passes it. */
  static fromJSON(json: FittedJSON): FittedNeuronPursuit {
    if (!(GROWTH_RULES as readonly string[]).includes(json.algorithm))
      throw new RangeError(`a ${json.algorithm} fit is not a growing network's fit (${GROWTH_RULES.join(', ')})`);
    const { network, preprocessing } = modelFromJson(json.model);
    const summary = json.summary as NeuronPursuitSummary;
    return new FittedNeuronPursuit(
      network,
      json.history as IterationRecord[],
      summary.stopReason as StopReason,
      summary.stopMessage,
      resolveOptions(json.options as NeuronPursuitOptions),
      summary.testError !== undefined,
      preprocessing,
    );
  }

  /** Predictions for raw inputs, in the units of the targets fitted. */
  predict(X: MatrixLike): Matrix {
    return predictRaw((x) => this.network.forward(x), this.network.inputDim, this.preprocessing, X);
  }

  /** The learned network, with its preprocessing, as the bytes of an ONNX model (src/export/onnx.ts). */
  toOnnx(options?: OnnxExportOptions): Uint8Array {
    return networkToOnnx(this.network, {
      ...(this.preprocessing ? { preprocessing: this.preprocessing } : {}),
      ...options,
    });
  }

  get iterations(): number {
    return this.history.length;
  }

  get gdSteps(): number {
    return this.history.reduce((s, r) => s + r.gdSteps, 0);
  }

  /** The errors of the last iteration (1, that of the zero network, when no iteration ran). */
  summary(): NeuronPursuitSummary {
    const last = this.history.at(-1);
    return {
      seed: this.options.seed,
      iterations: this.iterations,
      stopReason: this.stopReason,
      stopMessage: this.stopMessage,
      trainError: last?.trainError ?? 1,
      ...(this.tested ? { testError: last?.testError ?? 1 } : {}),
      ...(last?.trainClassError !== undefined ? { trainClassError: last.trainClassError } : {}),
      ...(last?.testClassError !== undefined ? { testClassError: last.testClassError } : {}),
      widths: this.network.hiddenWidths,
    };
  }

  toJSON(): FittedJSON {
    return {
      algorithm: this.algorithm,
      options: this.options,
      summary: this.summary(),
      history: this.history,
      model: modelToJson(this.network, undefined, this.preprocessing),
    };
  }
}

/**
 * One fit in progress (`NeuronPursuit.start`): each `next()` runs it to its next event and returns that event, or,
 * at the end, the fitted model. Between two calls it holds still, so the network and the history can be read.
 */
export class PursuitRun implements Iterator<PursuitEvent, FittedNeuronPursuit, void> {
  private readonly rng: Rng;
  private readonly rule: GrowthRule;
  private readonly records: IterationRecord[];
  private readonly X: Matrix;
  private readonly Y: Matrix;
  private net: Network;
  private readonly events: Generator<PursuitEvent, FittedNeuronPursuit, void>;

  constructor(
    private readonly o: ResolvedOptions,
    private readonly act: Activation,
    private readonly data: PreparedData,
    private readonly extras: Omit<PursuitFitExtras, 'onEvent'>,
  ) {
    this.rng = new Rng(o.seed, 'neuron-pursuit');
    this.rule = growthRule(o.growthRule ?? 'np');
    this.X = data.X;
    this.Y = data.Y;
    const resume = extras.resume;
    if (resume) checkResumable(resume, data, o, act);
    this.records = resume ? [...resume.history] : [];
    this.net = resume ? copyNetwork(resume.network) : Network.oneWide(this.X.cols, this.Y.cols, o.depth, act);
    this.events = this.run();
  }

  next(): IteratorResult<PursuitEvent, FittedNeuronPursuit> {
    return this.events.next();
  }

  /** The network as it stands: GD trains its weights in place, an addition replaces it. */
  get network(): Network {
    return this.net;
  }

  /** The iterations finished so far. */
  get history(): readonly IterationRecord[] {
    return this.records;
  }

  private *run(): Generator<PursuitEvent, FittedNeuronPursuit, void> {
    const o = this.o;
    const last = this.records.at(-1);
    if (last && this.reachedTarget(last)) return yield* this.stopOnTarget(last);
    for (let k = this.records.length + 1; k <= o.maxIterations; k++) {
      yield { type: 'iteration-start', iteration: k, maxIterations: o.maxIterations };
      const record = k === 1 ? yield* this.firstIteration() : yield* this.nextIteration(k);
      if (typeof record === 'string') return yield* this.stop('ncf-degenerate', record);
      this.records.push(record);
      yield { type: 'iteration-end', record };
      const { preprocessing } = this.data;
      this.extras.onIteration?.({
        network: copyNetwork(this.net),
        history: [...this.records],
        ...(preprocessing ? { preprocessing } : {}),
      });
      if (this.reachedTarget(record)) return yield* this.stopOnTarget(record);
    }
    return yield* this.stop('max-iterations', `reached the iteration cap K = ${o.maxIterations}`);
  }

  private reachedTarget(record: IterationRecord): boolean {
    return this.o.stopOn === 'classification' ? record.trainClassError === 0 : record.trainError < this.o.targetError;
  }

  private *stopOnTarget(record: IterationRecord): Generator<PursuitEvent, FittedNeuronPursuit, void> {
    const what =
      this.o.stopOn === 'classification'
        ? 'training classification error 0'
        : `training error ${record.trainError.toExponential(2)} < ${this.o.targetError}`;
    return yield* this.stop('target', `${what} after ${record.iteration} iteration(s)`);
  }

  private *stop(reason: StopReason, message: string): Generator<PursuitEvent, FittedNeuronPursuit, void> {
    yield { type: 'stop', reason, message };
    const tested = this.data.testX !== undefined;
    return new FittedNeuronPursuit(this.net, this.records, reason, message, this.o, tested, this.data.preprocessing);
  }

  /** Iteration 1: the dominant KKT point of N_{Y,H} over the one-wide network, scaled by δ₁, then GD. */
  private *firstIteration(): Generator<PursuitEvent, IterationRecord | string, void> {
    const o = this.o,
      start = performance.now();
    const origin = new OriginNcf(this.X, this.Y, this.o.depth, this.act);
    const result = pursue(origin, 'pga/1', o, this.rng, true);
    yield { type: 'ncf', iteration: 1, layers: [], value: result.value };
    const ncfRelative = result.value / origin.bound;
    if (!(ncfRelative > o.ncfThreshold)) {
      return 'the NCF at the origin has no positive KKT point: no neuron correlates with the target';
    }
    const lossAtZero = sumOfSquares(this.Y.data) / (2 * this.X.rows);
    let delta = o.delta1,
      shrinks = 0;
    const place = () => {
      for (let c = 0; c < result.point.length; c++) this.net.params[c] = delta * result.point[c]!;
      return this.net.loss(this.X, this.Y);
    };
    let lossAfterAdd = place();
    while (lossAfterAdd > lossAtZero && shrinks < o.maxShrinksFirst) {
      delta *= o.shrink;
      shrinks++;
      lossAfterAdd = place();
    }
    return yield* this.train(1, start, {
      layers: [],
      ncfValue: result.value,
      ncfRelative,
      kktResidual: result.kktResidual,
      restartsAtBest: result.restartsAtBest,
      restartValues: spread(result.values),
      layerValues: [],
      delta,
      deltaShrinks: shrinks,
      deltaWarning: lossAfterAdd > lossAtZero,
      lossBefore: lossAtZero,
      lossAfterAdd,
      ...(o.recordWeights ? { kktPoint: Array.from(result.point) } : {}),
    });
  }

  /** Iteration k ≥ 2: the growth rule's addition at the saddle W̄, then GD; returns the history row, or why not. */
  private *nextIteration(k: number): Generator<PursuitEvent, IterationRecord | string, void> {
    const start = performance.now();
    const prediction = this.net.forward(this.X);
    const residual = matrix(
      this.Y.rows,
      this.Y.cols,
      this.Y.data.map((y, i) => y - prediction.data[i]!),
    );
    const lossBefore = this.net.loss(this.X, this.Y);
    const growth = this.rule.grow({
      iteration: k,
      net: this.net,
      X: this.X,
      Y: this.Y,
      residual,
      lossBefore,
      options: this.o,
      rng: this.rng,
    });
    if (typeof growth === 'string') return growth;
    const { layers, ncfValue } = growth.fields;
    yield { type: 'ncf', iteration: k, layers, value: ncfValue };
    this.net = growth.network;
    return yield* this.train(k, start, growth.fields);
  }

  /** GD from the current weights, optional balancing, then the history row. */
  private *train(k: number, start: number, added: AdditionFields): Generator<PursuitEvent, IterationRecord, void> {
    const o = this.o;
    const checks = gradientDescentChecks(this.net, this.X, this.Y, {
      lr: o.lr,
      maxSteps: o.gdSteps,
      targetError: o.targetError,
      tol: o.tol,
      kappa: o.kappa,
      checkEvery: o.checkEvery,
      maxHalvings: o.maxLrHalvings,
      halveOn: o.halveOn,
    });
    let gd: GdResult;
    for (;;) {
      const c = checks.next();
      if (c.done) {
        gd = c.value;
        break;
      }
      yield {
        type: 'gd',
        iteration: k,
        step: c.value.step,
        maxSteps: o.gdSteps,
        loss: c.value.loss,
        error: c.value.error,
      };
    }
    if (o.balance) this.net.balance();
    const record: IterationRecord = {
      iteration: k,
      ...added,
      gdSteps: gd.steps,
      gdStopReason: gd.stopReason,
      gdLr: gd.lr,
      gdHalvings: gd.halvings,
      gdTrace: gd.trace,
      loss: gd.loss,
      trainError: gd.error,
      widths: this.net.hiddenWidths,
      balancedness: this.net.balancedness(),
      seconds: (performance.now() - start) / 1000,
    };
    const { testX, testY } = this.data;
    const testPrediction = testX && testY ? this.net.forward(testX) : null;
    if (testPrediction) record.testError = relativeError(testPrediction, testY!);
    if (o.recordWeights) record.weights = Array.from(this.net.params);
    if (o.classification) {
      record.trainClassError = classificationError(this.net.forward(this.X), this.Y);
      if (testPrediction) record.testClassError = classificationError(testPrediction, testY!);
    }
    return record;
  }
}

/** A network's own copy (the state handed out must not change under its holder as the fit goes on). */
function copyNetwork(net: Network): Network {
  return new Network(net.widths, net.activation, net.params.slice());
}

/** A state fits this data and these options: the network's shape and activation, a history that numbers 1 … k. */
function checkResumable(state: PursuitState, data: PreparedData, o: ResolvedOptions, act: Activation): void {
  const net = state.network;
  const problems = [
    net.inputDim !== data.X.cols && `the network takes ${net.inputDim} inputs, the data has ${data.X.cols}`,
    net.outputDim !== data.Y.cols && `the network has ${net.outputDim} outputs, the data ${data.Y.cols} targets`,
    net.depth !== o.depth && `the network has depth ${net.depth}, the options ${o.depth}`,
    (net.activation.p !== act.p || net.activation.alpha !== act.alpha) &&
      `the network's activation is not ${act.name} (p = ${act.p}, α = ${act.alpha})`,
    state.history.some((r, i) => r.iteration !== i + 1) && 'the history does not number its iterations 1, 2, …',
    state.history.length > o.maxIterations &&
      `the history has ${state.history.length} iterations, more than maxIterations = ${o.maxIterations}`,
    state.history.length > 0 &&
      state.history.at(-1)!.widths.join('×') !== net.hiddenWidths.join('×') &&
      "the network's widths are not the last iteration's",
    state.preprocessing !== undefined &&
      JSON.stringify(state.preprocessing) !== JSON.stringify(data.preprocessing) &&
      "the data's preprocessing (intercept, means and scales) is not the state's: is it the same data?",
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw new DataError(`cannot resume: ${problems[0]}`);
}
