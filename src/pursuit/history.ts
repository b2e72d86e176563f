/** What Neuron Pursuit records: one row per iteration, events while it runs. */
import type { GdStopReason } from '../optim/gradient-descent.js';

export type StopReason = 'target' | 'max-iterations' | 'ncf-degenerate';

/** One NP iteration (docs/algorithm.md §4). */
export interface IterationRecord {
  iteration: number;
  /**
   * Hidden layer of every neuron added (1-based; a path adds one per layer); empty at iteration 1, which trains the
   * one-wide network.
   */
  layers: number[];
  /** NCF value of the dominant KKT point(s) chosen. */
  ncfValue: number;
  /** ncfValue over the largest value any unit-sphere point of its family could reach (0–1; absent in older files). */
  ncfRelative?: number;
  /** Tangential gradient norm at that point. */
  kktResidual: number;
  /** How many PGA restarts ended at the dominant value (within 1e-4, relative). */
  restartsAtBest: number;
  /** Spread of the end values of the PGA restarts behind the chosen point. */
  restartValues: { min: number; median: number; max: number };
  /** Best NCF value per hidden layer (iteration ≥ 2; empty at iteration 1). */
  layerValues: number[];
  /** With path candidates: the best value of each path family (two-neuron paths from layer 1 up, then longer ones). */
  pathValues?: number[];
  /** Scale δ used to add the new weights, and how many times it was shrunk. */
  delta: number;
  deltaShrinks: number;
  /** True when δ back-tracking ran out without lowering the loss. */
  deltaWarning: boolean;
  /** Loss at the saddle (before adding) and right after adding the neuron(s). */
  lossBefore: number;
  lossAfterAdd: number;
  gdSteps: number;
  /** Why the GD stage ended ('diverged': see `GdStopReason`). */
  gdStopReason: GdStopReason;
  /** GD step in force at the end of the stage (smaller than lr after halvings). */
  gdLr: number;
  /** How many times the divergence guard halved η in the stage (absent in older files). */
  gdHalvings?: number;
  /** The loss at every GD check of the stage, steps counted from its start (absent in older files). */
  gdTrace?: { step: number; loss: number }[];
  loss: number;
  trainError: number;
  testError?: number;
  trainClassError?: number;
  testClassError?: number;
  /** Hidden widths after this iteration. */
  widths: number[];
  /** ‖in‖² / (p‖out‖²) per hidden neuron, per layer, after GD (and balancing). */
  balancedness: number[][];
  seconds: number;
  /**
   * With `recordWeights`: the unit KKT vector added (iteration 1: the one-wide network's weights; later:
   * [a, b] of the first neuron).
   */
  kktPoint?: number[];
  /** With `recordWeights`: all weights after GD (Network.params layout for `[d, ...widths, m]`). */
  weights?: number[];
}

export type PursuitEvent =
  | { type: 'iteration-start'; iteration: number; maxIterations: number }
  | { type: 'ncf'; iteration: number; layers: number[]; value: number }
  | { type: 'gd'; iteration: number; step: number; maxSteps: number; loss: number; error: number }
  | { type: 'iteration-end'; record: IterationRecord }
  | { type: 'stop'; reason: StopReason; message: string };
