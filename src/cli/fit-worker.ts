/**
 * A Neuron Pursuit fit on a worker thread, for `train`: the fit is one long synchronous computation, so the main
 * thread stays free to write each checkpoint it is sent and to answer Ctrl-C at once. Every event, every
 * iteration's state and the result go to the main thread as messages; the worker touches no file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { modelFromJson, modelToJson, type ModelJSON } from '../io/model-format.js';
import type { Matrix } from '../linalg/matrix.js';
import type { FittedJSON } from '../estimators/estimator.js';
import type { IterationRecord, PursuitEvent } from '../pursuit/history.js';
import { NeuronPursuit } from '../pursuit/neuron-pursuit.js';
import type { NeuronPursuitOptions } from '../pursuit/options.js';

/** What the worker is given. */
export interface FitJob {
  options: NeuronPursuitOptions;
  X: Matrix;
  Y: Matrix;
  testX?: Matrix;
  testY?: Matrix;
  /** The state to continue from (a checkpoint's model and history). */
  resume?: { model: ModelJSON; history: IterationRecord[] };
}

/** What it sends back. */
export type FitMessage =
  | { type: 'started' }
  | { type: 'event'; event: PursuitEvent }
  | { type: 'iteration'; model: ModelJSON; history: IterationRecord[] }
  | { type: 'done'; fitted: FittedJSON }
  | { type: 'error'; message: string };

const port = parentPort!;
const send = (message: FitMessage) => port.postMessage(message);
const job = workerData as FitJob;
try {
  const resume = job.resume && {
    network: modelFromJson(job.resume.model).network,
    history: job.resume.history,
    ...(job.resume.model.preprocessing ? { preprocessing: job.resume.model.preprocessing } : {}),
  };
  // `fit`, one event at a time, saying first that the data and options passed (`start` checks them).
  const run = new NeuronPursuit(job.options).start(job.X, job.Y, {
    ...(job.testX && job.testY ? { testX: job.testX, testY: job.testY } : {}),
    ...(resume ? { resume } : {}),
    onIteration: (state) =>
      send({
        type: 'iteration',
        model: modelToJson(state.network, undefined, state.preprocessing),
        history: state.history,
      }),
  });
  send({ type: 'started' });
  let next = run.next();
  for (; !next.done; next = run.next()) send({ type: 'event', event: next.value });
  send({ type: 'done', fitted: next.value.toJSON() });
} catch (err) {
  send({ type: 'error', message: (err as Error).message ?? String(err) });
}
