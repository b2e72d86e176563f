/**
 * The fit's history, live: the loss over all GD steps with each addition marked, the best NCF value of every
 * layer per iteration, and the training and test errors per iteration (log scales).
 */
import type uPlot from 'uplot';
import type { IterationRecord } from '../../../src/pursuit/history.js';
import { LAYER_COLORS, Plot, logAxis, positive } from './plot.js';

const ADDITION = '#e6550d';

/** Loss at every GD check; a mark (dashed line, labelled with the layers grown) where a neuron was added. */
export class LossChart {
  private readonly steps: number[] = [];
  private readonly losses: (number | null)[] = [];
  private readonly atAddition: (number | null)[] = [];
  private readonly marks: { step: number; label: string }[] = [];
  private readonly plot: Plot;

  constructor(container: HTMLElement) {
    const drawMarks = (u: uPlot) => {
      const { ctx, bbox } = u;
      ctx.save();
      ctx.strokeStyle = ADDITION;
      ctx.fillStyle = ADDITION;
      ctx.setLineDash([4, 4]);
      ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
      // each label on the first of four lines with room for it (none: the dashed line alone)
      const lineEnds = [-Infinity, -Infinity, -Infinity, -Infinity];
      for (const mark of this.marks) {
        const x = u.valToPos(mark.step, 'x', true);
        if (x < bbox.left || x > bbox.left + bbox.width) continue;
        ctx.beginPath();
        ctx.moveTo(x, bbox.top);
        ctx.lineTo(x, bbox.top + bbox.height);
        ctx.stroke();
        const start = x + 3 * devicePixelRatio;
        const line = lineEnds.findIndex((end) => end < start);
        if (line < 0) continue;
        ctx.fillText(mark.label, start, bbox.top + (12 + 13 * line) * devicePixelRatio);
        lineEnds[line] = start + ctx.measureText(mark.label).width + 4 * devicePixelRatio;
      }
      ctx.restore();
    };
    this.plot = new Plot(
      container,
      {
        series: [
          { label: 'GD step' },
          { label: 'loss', stroke: '#333', width: 1.5 },
          {
            label: 'neuron added',
            stroke: ADDITION,
            paths: () => null,
            points: { show: true, size: 8, fill: ADDITION },
          },
        ],
        scales: { x: { time: false }, y: { distr: 3, log: 10 } },
        axes: [{ label: 'GD steps, all iterations' }, logAxis('loss')],
        hooks: { draw: [drawMarks] },
      },
      [[], [], []],
    );
  }

  /** New checks as [step, loss, k] triples (k: the iteration whose addition this check follows, else 0). */
  add(checks: number[], layersAdded: (iteration: number) => number[]): void {
    if (checks.length === 0) return;
    for (let c = 0; c < checks.length; c += 3) {
      const step = checks[c]!,
        loss = checks[c + 1]!,
        k = checks[c + 2]!;
      this.steps.push(step);
      this.losses.push(positive(loss));
      this.atAddition.push(k > 0 ? positive(loss) : null);
      if (k > 0) this.marks.push({ step, label: `+ layer ${layersAdded(k).join(', ')}` });
    }
    this.plot.uplot.setData([this.steps, this.losses, this.atAddition]);
  }

  destroy(): void {
    this.plot.destroy();
  }
}

/**
 * Per iteration: the NCF value of what was added (a neuron, or a path of new neurons; at iteration 1 the dominant
 * KKT point at the origin) and the best single-neuron value of each hidden layer.
 */
export class NcfChart {
  private readonly plot: Plot;

  constructor(
    container: HTMLElement,
    private readonly hiddenLayers: number,
  ) {
    const layers = Array.from({ length: hiddenLayers }, (_, l) => ({
      label: `layer ${l + 1}`,
      stroke: LAYER_COLORS[l % LAYER_COLORS.length]!,
      width: 1.5,
      points: { show: true, size: 7 },
    }));
    this.plot = new Plot(
      container,
      {
        series: [
          { label: 'iteration' },
          {
            label: 'added',
            stroke: '#e6550d',
            paths: () => null,
            points: { show: true, size: 11, fill: '#fff', width: 2 },
          },
          ...layers,
        ],
        scales: { x: { time: false }, y: { distr: 3, log: 10 } },
        axes: [{ label: 'NP iteration', incrs: [1, 2, 5, 10] }, logAxis('NCF value')],
      },
      [[], [], ...layers.map(() => [])],
    );
  }

  show(records: IterationRecord[]): void {
    const iterations = records.map((r) => r.iteration);
    // values below 1e-9 of the largest are rounding noise around 0 (no candidate there): not drawn
    const largest = Math.max(...records.flatMap((r) => [r.ncfValue, ...r.layerValues]));
    const shown = (v: number | undefined) => (v !== undefined && v > 1e-9 * largest ? positive(v) : null);
    const added = records.map((r) => shown(r.ncfValue));
    const layers = Array.from({ length: this.hiddenLayers }, (_, l) => records.map((r) => shown(r.layerValues[l])));
    this.plot.uplot.setData([iterations, added, ...layers]);
  }

  destroy(): void {
    this.plot.destroy();
  }
}

/** Relative training and test errors per iteration, and classification errors where the fit counts them. */
export class ErrorsChart {
  private readonly plot: Plot;

  constructor(
    container: HTMLElement,
    private readonly classification: boolean,
  ) {
    const classErrors: uPlot.Series[] = [
      { label: 'train (classification)', stroke: '#d62728', dash: [5, 4], points: { show: true, size: 5 } },
      { label: 'test (classification)', stroke: '#1f77b4', dash: [5, 4], points: { show: true, size: 5 } },
    ];
    this.plot = new Plot(
      container,
      {
        series: [
          { label: 'iteration' },
          { label: 'train', stroke: '#d62728', width: 2, points: { show: true, size: 7 } },
          { label: 'test', stroke: '#1f77b4', width: 2, points: { show: true, size: 7 } },
          ...(classification ? classErrors : []),
        ],
        scales: { x: { time: false }, y: { distr: 3, log: 10 } },
        axes: [{ label: 'NP iteration', incrs: [1, 2, 5, 10] }, logAxis('error')],
      },
      classification ? [[], [], [], [], []] : [[], [], []],
    );
  }

  show(records: IterationRecord[]): void {
    const series = (pick: (r: IterationRecord) => number | undefined) => records.map((r) => positive(pick(r)));
    this.plot.uplot.setData([
      records.map((r) => r.iteration),
      series((r) => r.trainError),
      series((r) => r.testError),
      ...(this.classification ? [series((r) => r.trainClassError), series((r) => r.testClassError)] : []),
    ]);
  }

  destroy(): void {
    this.plot.destroy();
  }
}
