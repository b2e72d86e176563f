/** Live progress of a fit on stderr (only on a terminal: logs stay clean). */
import cliProgress from 'cli-progress';
import type { PursuitEvent } from '../pursuit/history.js';
import { sci } from './format.js';

export function progressReporter(enabled: boolean): { onEvent: (e: PursuitEvent) => void; stop: () => void } {
  if (!enabled) return { onEvent: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format:
        'NP iteration {iteration}/{maxIterations} | {phase} {bar} {value}/{total} | loss {loss} | train err {error}',
      hideCursor: true,
      clearOnComplete: true,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  let maxIterations = 0;
  return {
    onEvent(e) {
      switch (e.type) {
        case 'iteration-start':
          maxIterations = e.maxIterations;
          if (running) bar.stop();
          bar.start(1, 0, { iteration: e.iteration, maxIterations, phase: 'NCF', loss: '…', error: '…' });
          running = true;
          break;
        case 'gd':
          if (bar.getTotal() !== e.maxSteps) bar.setTotal(e.maxSteps);
          bar.update(e.step, { phase: 'GD', loss: sci(e.loss), error: sci(e.error) });
          break;
        case 'iteration-end': {
          bar.stop();
          running = false;
          const r = e.record;
          const grown = r.layers.length ? `grew layer ${r.layers.join(',')}` : 'one-wide network';
          const test = r.testError !== undefined ? `, test error ${sci(r.testError)}` : '';
          const errors = `train error ${sci(r.trainError)}${test}`;
          process.stderr.write(`iteration ${r.iteration}: ${grown}, ${errors}, widths ${r.widths.join('×')}\n`);
          break;
        }
        case 'stop':
          if (running) bar.stop();
          running = false;
          break;
        default:
          break;
      }
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
