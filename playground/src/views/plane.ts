/**
 * A function on the plane as a heatmap inside uPlot's axes, the target beside what the network learned, on one
 * diverging colour scale centred on 0. On the learned one, each neuron the current iteration added draws its ReLU
 * ridge: the line where its pre-activation is 0 (straight in layer 1, bent by the layers below it higher up).
 */
import type uPlot from 'uplot';
import { Plot } from './plot.js';

const NEGATIVE = [33, 102, 172],
  ZERO = [247, 247, 247],
  POSITIVE = [178, 24, 43];
const RIDGE = '#111';
/** Sizes of the axes, in CSS pixels. */
const X_AXIS = 44,
  Y_AXIS = 44;

/** RGB of v on the diverging scale [−scale, scale]. */
export function diverging(v: number, scale: number): number[] {
  const t = Math.max(-1, Math.min(1, scale > 0 ? v / scale : 0));
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const s = Math.abs(t);
  return ZERO.map((z, c) => Math.round(z + (end[c]! - z) * s));
}

export class PlaneView {
  private readonly plot: Plot;
  private readonly image: HTMLCanvasElement;
  private ridges: Float64Array[] = [];

  /** `size` × `size` cells over [−extent, extent]², row j·size + i at (x1 = cell i, x2 = cell j), both ascending. */
  constructor(
    container: HTMLElement,
    title: string,
    extent: number,
    private readonly size: number,
    private readonly scale: number,
  ) {
    this.image = document.createElement('canvas');
    this.image.width = this.image.height = size;
    const paint = (u: uPlot) => {
      const { ctx, bbox } = u;
      const x0 = u.valToPos(-extent, 'x', true),
        x1 = u.valToPos(extent, 'x', true);
      const y0 = u.valToPos(extent, 'y', true),
        y1 = u.valToPos(-extent, 'y', true);
      ctx.save();
      ctx.beginPath();
      ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
      ctx.clip();
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(this.image, x0, y0, x1 - x0, y1 - y0);
      ctx.strokeStyle = RIDGE;
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.lineCap = 'round';
      ctx.beginPath();
      for (const z of this.ridges)
        for (const [a, b] of zeroCrossings(z, size, extent)) {
          ctx.moveTo(u.valToPos(a[0], 'x', true), u.valToPos(a[1], 'y', true));
          ctx.lineTo(u.valToPos(b[0], 'x', true), u.valToPos(b[1], 'y', true));
        }
      ctx.stroke();
      ctx.restore();
    };
    const range = (): uPlot.Range.MinMax => [-extent, extent];
    this.plot = new Plot(
      container,
      {
        title,
        legend: { show: false },
        cursor: { show: false },
        series: [{}, { show: false }],
        scales: { x: { time: false, range }, y: { range } },
        axes: [
          { label: 'x1', grid: { show: false }, size: X_AXIS },
          { label: 'x2', grid: { show: false }, size: Y_AXIS },
        ],
        hooks: { draw: [paint] },
      },
      [
        [-extent, extent],
        [null, null],
      ],
      // a square plotting area: the height less the x axis equals the width less the y axis
      (width) => width - Y_AXIS + X_AXIS,
    );
  }

  /** The function's values on the grid, and the pre-activations whose zero lines to draw. */
  show(values: Float64Array, ridges: Float64Array[] = []): void {
    const ctx = this.image.getContext('2d')!;
    const pixels = ctx.createImageData(this.size, this.size);
    for (let j = 0; j < this.size; j++)
      for (let i = 0; i < this.size; i++) {
        // image rows run top to bottom, x2 bottom to top
        const [r, g, b] = diverging(values[j * this.size + i]!, this.scale);
        const p = 4 * ((this.size - 1 - j) * this.size + i);
        pixels.data[p] = r!;
        pixels.data[p + 1] = g!;
        pixels.data[p + 2] = b!;
        pixels.data[p + 3] = 255;
      }
    ctx.putImageData(pixels, 0, 0);
    this.ridges = ridges;
    this.plot.uplot.redraw(false, false);
  }

  destroy(): void {
    this.plot.destroy();
  }
}

type Point = [number, number];

/**
 * Segments of the line z = 0 through the grid (marching squares on the cell centres, the crossing on each edge by
 * linear interpolation): z is `size` × `size`, row j·size + i at the centre of cell (i, j).
 */
export function zeroCrossings(z: ArrayLike<number>, size: number, extent: number): [Point, Point][] {
  const centre = (i: number) => -extent + ((i + 0.5) * 2 * extent) / size;
  const at = (i: number, j: number) => z[j * size + i]!;
  const segments: [Point, Point][] = [];
  for (let j = 0; j + 1 < size; j++)
    for (let i = 0; i + 1 < size; i++) {
      const corners: [number, number][] = [
        [i, j],
        [i + 1, j],
        [i + 1, j + 1],
        [i, j + 1],
      ];
      const crossings: Point[] = [];
      for (let e = 0; e < 4; e++) {
        const [ai, aj] = corners[e]!,
          [bi, bj] = corners[(e + 1) % 4]!;
        const za = at(ai, aj),
          zb = at(bi, bj);
        if (za > 0 === zb > 0) continue;
        const t = za / (za - zb);
        crossings.push([centre(ai) + t * (centre(bi) - centre(ai)), centre(aj) + t * (centre(bj) - centre(aj))]);
      }
      // two crossings: one segment; four (a saddle cell): pair them in order
      for (let c = 0; c + 1 < crossings.length; c += 2) segments.push([crossings[c]!, crossings[c + 1]!]);
    }
  return segments;
}
