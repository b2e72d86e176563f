/**
 * Runs a Neuron Pursuit fit on a worker thread (src/cli/fit-worker.ts) and relays what it sends: progress events,
 * the state after every iteration (for the caller's checkpoint), the fitted model. Ctrl-C (SIGINT) or SIGTERM
 * stops the worker at once and rejects with `Interrupted`, so the caller can say what was kept.
 */
import { Worker } from 'node:worker_threads';
import type { ModelJSON } from '../io/model-format.js';
import type { IterationRecord, PursuitEvent } from '../pursuit/history.js';
import { FittedNeuronPursuit } from '../pursuit/neuron-pursuit.js';
import type { FitJob, FitMessage } from './fit-worker.js';

/** The fit was stopped by a signal. */
export class Interrupted extends Error {
  override name = 'Interrupted';

  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }

  /** The shell's exit status for a process ended by the signal: 128 + its number. */
  get exitCode(): number {
    return 128 + (this.signal === 'SIGINT' ? 2 : 15);
  }
}

export interface FitHandlers {
  /** The worker has prepared the data and started the fit (what comes before can refuse it). */
  onStart?(): void;
  onEvent(event: PursuitEvent): void;
  /** The model and history after each completed iteration; runs on the main thread, between messages. */
  onIteration(model: ModelJSON, history: IterationRecord[]): void;
}

export function fitInWorker(job: FitJob, handlers: FitHandlers): Promise<FittedNeuronPursuit> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./fit-worker.js', import.meta.url), { workerData: job });
    let settled = false;
    const settle = (finish: () => void) => {
      if (settled) return;
      settled = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      finish();
    };
    const fail = (err: unknown) => {
      void worker.terminate();
      settle(() => reject(err));
    };
    const onSignal = (signal: NodeJS.Signals) => fail(new Interrupted(signal));
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    worker.on('message', (message: FitMessage) => {
      try {
        switch (message.type) {
          case 'started':
            handlers.onStart?.();
            break;
          case 'event':
            handlers.onEvent(message.event);
            break;
          case 'iteration':
            handlers.onIteration(message.model, message.history);
            break;
          case 'done':
            settle(() => resolve(FittedNeuronPursuit.fromJSON(message.fitted)));
            break;
          case 'error':
            settle(() => reject(new Error(message.message)));
            break;
        }
      } catch (err) {
        fail(err);
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => settle(() => reject(new Error(`the fit's worker thread stopped (exit code ${code})`))));
  });
}
