/** The learned function against the target on the vertices of the task's relevant coordinates (hypercube tasks). */
import { Plot } from './plot.js';

export class VertexView {
  private readonly plot: Plot;
  private readonly xs: number[];

  constructor(
    container: HTMLElement,
    names: string[],
    coordinates: number,
    private readonly truth: Float64Array,
  ) {
    this.xs = names.map((_, i) => i);
    const inputs = Array.from({ length: coordinates }, (_, c) => `x${c + 1}`).join(', ');
    const label = `vertex: the signs of ${inputs} from the top (the rest +1)`;
    this.plot = new Plot(
      container,
      {
        series: [
          { label: 'vertex', value: (_, i) => (i == null ? '' : (names[i] ?? '')) },
          { label: 'target', stroke: '#555', paths: () => null, points: { show: true, size: 11, fill: '#fff' } },
          { label: 'learned', stroke: '#d62728', paths: () => null, points: { show: true, size: 7, fill: '#d62728' } },
        ],
        scales: { x: { time: false, range: [-0.5, names.length - 0.5] } },
        axes: [
          {
            label,
            incrs: [1],
            // one line per coordinate: the vertex's signs read top to bottom
            values: (_, splits) => splits.map((v) => [...(names[v] ?? '')].join('\n')),
            size: 44 + 14 * coordinates,
            font: '12px ui-monospace, monospace',
          },
          { label: 'value', size: 50 },
        ],
      },
      [this.xs, Array.from(truth), this.xs.map(() => null)],
    );
  }

  show(learned: Float64Array): void {
    this.plot.uplot.setData([this.xs, Array.from(this.truth), Array.from(learned)]);
  }

  destroy(): void {
    this.plot.destroy();
  }
}
