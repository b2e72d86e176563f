/**
 * Figures: a vega-lite spec becomes SVG (vega's headless renderer) and PNG
 * (resvg). Every command that draws goes through here; src/report/html.ts
 * puts them on a page.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type FigureSpec = TopLevelSpec;

export interface Figure {
  svg: string;
  png: Uint8Array;
}

/** Render a vega-lite spec to SVG and PNG (PNG at `scale` × the SVG size). */
export async function renderFigure(spec: FigureSpec, scale = 2): Promise<Figure> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    const png = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: 'white',
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    })
      .render()
      .asPng();
    return { svg, png };
  } finally {
    view.finalize();
  }
}
