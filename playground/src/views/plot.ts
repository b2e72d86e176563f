/** uPlot, sized to its container and following it, with the axis formats the views share. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export type PlotOptions = Omit<uPlot.Options, 'width' | 'height'>;

/** A chart in `container` that keeps the container's width, and `height` (or a height for each width). */
export class Plot {
  readonly uplot: uPlot;
  private readonly resize: ResizeObserver;

  constructor(
    container: HTMLElement,
    options: PlotOptions,
    data: uPlot.AlignedData,
    height: number | ((width: number) => number) = 220,
  ) {
    const width = () => Math.max(container.clientWidth, 200);
    const heightOf = (w: number) => (typeof height === 'number' ? height : height(w));
    this.uplot = new uPlot(
      { legend: { live: false }, ...options, width: width(), height: heightOf(width()) },
      data,
      container,
    );
    this.resize = new ResizeObserver(() => {
      if (width() !== this.uplot.width) this.uplot.setSize({ width: width(), height: heightOf(width()) });
    });
    this.resize.observe(container);
  }

  destroy(): void {
    this.resize.disconnect();
    this.uplot.destroy();
  }
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** A power of ten as a tick label: 100, 10, 1, 0.1, 0.01, 10⁻³, … */
export function powerOfTen(exponent: number): string {
  if (exponent >= -2 && exponent <= 2) return String(10 ** exponent);
  const digits = [...String(Math.abs(exponent))].map((d) => SUPERSCRIPT[Number(d)]).join('');
  return `10${exponent < 0 ? '⁻' : ''}${digits}`;
}

/** Tick labels of a log axis: the powers of ten only. */
export const powersOfTen = (_: uPlot, splits: number[]) =>
  splits.map((v) => {
    const exponent = v == null ? NaN : Math.round(Math.log10(v));
    return Number.isFinite(exponent) && Math.abs(v / 10 ** exponent - 1) < 1e-9 ? powerOfTen(exponent) : '';
  });

/** A log-scaled y axis with its label. */
export const logAxis = (label: string): uPlot.Axis => ({ label, values: powersOfTen, size: 56 });

/** One colour per hidden layer (layer 1 first). */
export const LAYER_COLORS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** Values that a log scale can show (> 0 and finite), others as gaps. */
export const positive = (v: number | undefined): number | null =>
  v !== undefined && v > 0 && Number.isFinite(v) ? v : null;
