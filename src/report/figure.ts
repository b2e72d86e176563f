/**
 * Figures: a vega-lite spec becomes SVG (vega's headless renderer) and PNG
 * (resvg). Every command that draws goes through here.
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

export interface PageSection {
  title: string;
  /** Inline SVG markup. */
  svg?: string;
  /** Preformatted text or an HTML fragment (escaped unless `html` is true). */
  text?: string;
  html?: boolean;
}

/** One self-contained HTML page: inline SVG figures, no scripts, no external files. */
export function htmlPage(title: string, sections: PageSection[], subtitle = ''): string {
  const body = sections
    .map((s) => {
      const text = s.text === undefined ? '' : s.html ? s.text : `<pre>${escapeHtml(s.text)}</pre>`;
      return `<section><h2>${escapeHtml(s.title)}</h2>${text}${s.svg ? `<figure>${s.svg}</figure>` : ''}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em}
figure{margin:1em 0}svg{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}
</style></head><body>
<h1>${escapeHtml(title)}</h1>${subtitle ? `<p>${escapeHtml(subtitle)}</p>` : ''}
${body}
</body></html>
`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
