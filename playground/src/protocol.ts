/** The messages between the page and the worker that runs the fit (worker.ts). */
import type { IterationRecord, StopReason } from '../../src/pursuit/history.js';
import type { Config } from './config.js';

/** CSV data uploaded by the user: the file's text and name (the page keeps it; links cannot carry it). */
export interface CsvUpload {
  name: string;
  text: string;
}

export type ToWorker =
  /** A new fit of this configuration, not started (Reset sends the same one again). */
  | { type: 'load'; config: Config; csv?: CsvUpload }
  /** Run to the end; Step: run to the end of the current NP iteration. */
  | { type: 'run' }
  | { type: 'step' }
  /** Stop after the event in progress (at the latest the next GD check); Run or Step goes on. */
  | { type: 'pause' }
  /**
   * The network as model.json or as an ONNX model (what `export` writes from that model.json), or (once stopped)
   * the history as history.json, in the command line's formats.
   */
  | { type: 'download'; file: DownloadFile };

export type DownloadFile = 'model' | 'onnx' | 'history';

export type FitState = 'ready' | 'running' | 'paused' | 'stopped';

/** The settings the fit runs with, the task's defaults filled in (the controls show them). */
export interface Resolved {
  activation: string;
  alpha: number;
  depth: number;
  samples: number;
  testSamples: number;
  lr: number;
  pgaLr: number;
  /** The CSV columns (with an upload). */
  columns?: string[];
  target?: string;
}

/** What the task's views need, computed once: the grid or the vertices with the target's values there. */
export interface ViewSetup {
  plane?: { extent: number; size: number; truth: Float64Array };
  vertices?: { names: string[]; coordinates: number; truth: Float64Array };
}

/** Neurons added at the current iteration (iteration 1: the one-wide network). */
export interface Added {
  iteration: number;
  /** Hidden layer (1-based) and index within it of each new neuron. */
  neurons: { layer: number; index: number }[];
  ncfValue: number;
}

export interface Progress {
  type: 'progress';
  state: FitState;
  /** The NP iteration in progress or last finished (0 before the first). */
  iteration: number;
  /** What the fit is doing: 'PGA', 'GD' and so on. */
  phase: string;
  /**
   * GD checks since the last message, as triples [step, loss, k]: steps count from the start of the fit, k is the
   * iteration whose addition the check follows at once (0 for the others).
   */
  checks: number[];
  /** Iterations finished since the last message. */
  records: IterationRecord[];
  network: { widths: number[]; params: Float64Array };
  added: Added | null;
  /** The learned function on the plane grid, and each new neuron's pre-activation there (its ridge is where 0). */
  plane?: { learned: Float64Array; ridges: Float64Array[] };
  vertices?: { learned: Float64Array };
  stop?: { reason: StopReason; message: string };
}

export type FromWorker =
  | {
      type: 'ready';
      resolved: Resolved;
      description: string;
      hiddenLayers: number;
      tested: boolean;
      /** Whether the fit counts classification errors (modular addition). */
      classification: boolean;
      views: ViewSetup;
    }
  | Progress
  /** A file to save: text (JSON) or bytes (ONNX). */
  | { type: 'file'; name: string; content: string | Uint8Array<ArrayBuffer> }
  /** A configuration or data the fit cannot take, or a failure while fitting: one line. */
  | { type: 'error'; message: string };
