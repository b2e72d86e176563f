/**
 * The network as it grows: inputs on the left, one column per hidden layer, the outputs on the right. An edge's
 * width is |weight| (relative to the largest), its colour the sign; the neurons the current iteration added are
 * ringed and labelled with their layer and the NCF value that chose them.
 */
import type { Added } from '../protocol.js';

const SVG = 'http://www.w3.org/2000/svg';
const POSITIVE = '#b2182b';
const NEGATIVE = '#2166ac';
const HEIGHT = 300;

export interface DiagramState {
  widths: number[];
  params: Float64Array;
  added: Added | null;
}

export function drawDiagram(svg: SVGSVGElement, state: DiagramState, inputNames?: string[]): void {
  const width = Math.max(svg.clientWidth, 280);
  svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
  svg.replaceChildren();
  const { widths, params, added } = state;
  const depth = widths.length - 1;
  const left = 44,
    right = 44,
    top = 34,
    bottom = 24;
  const xOf = (l: number) => left + ((width - left - right) * l) / depth;
  const yOf = (l: number, i: number) => {
    const k = widths[l]!;
    const gap = Math.min(30, (HEIGHT - top - bottom) / k);
    return top + (HEIGHT - top - bottom) / 2 + (i - (k - 1) / 2) * gap;
  };
  const radius = (l: number) => Math.max(2, Math.min(9, (0.4 * (HEIGHT - top - bottom)) / widths[l]!));

  let largest = 0;
  for (const w of params) largest = Math.max(largest, Math.abs(w));
  const edges = el('g', { class: 'edges' });
  let offset = 0;
  for (let l = 1; l <= depth; l++) {
    const rows = widths[l]!,
      cols = widths[l - 1]!;
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) {
        const w = params[offset + i * cols + j]!;
        if (w === 0 || largest === 0) continue;
        const share = Math.abs(w) / largest;
        edges.append(
          el('line', {
            x1: xOf(l - 1),
            y1: yOf(l - 1, j),
            x2: xOf(l),
            y2: yOf(l, i),
            stroke: w > 0 ? POSITIVE : NEGATIVE,
            'stroke-width': (0.3 + 5 * share).toFixed(2),
            'stroke-opacity': (0.25 + 0.75 * share).toFixed(2),
          }),
        );
      }
    offset += rows * cols;
  }
  svg.append(edges);

  const isNew = (l: number, i: number) => added?.neurons.some((n) => n.layer === l && n.index === i) ?? false;
  for (let l = 0; l <= depth; l++) {
    const kind = l === 0 ? 'input' : l === depth ? 'output' : 'hidden';
    const column = el('g', { class: `layer ${kind}` });
    column.append(text(xOf(l), 14, l === 0 ? 'inputs' : l === depth ? 'output' : `layer ${l}`, 'middle', 'layer-name'));
    for (let i = 0; i < widths[l]!; i++) {
      const fresh = kind === 'hidden' && isNew(l, i);
      const circle = el('circle', {
        cx: xOf(l),
        cy: yOf(l, i),
        r: radius(l),
        class: fresh ? 'neuron new' : 'neuron',
      });
      if (kind === 'hidden') {
        circle.setAttribute('data-testid', 'neuron');
        circle.setAttribute('data-layer', String(l));
      }
      column.append(circle);
      if (l === 0 && widths[0]! <= 24)
        column.append(text(xOf(0) - 12, yOf(0, i) + 3, inputNames?.[i] ?? `x${i + 1}`, 'end'));
    }
    svg.append(column);
  }
  if (added) {
    const first = added.neurons[0];
    if (first) {
      const where =
        added.iteration === 1
          ? 'iteration 1: the one-wide network'
          : `new: layer ${added.neurons.map((n) => n.layer).join(', ')}`;
      const label = `${where} · NCF ${added.ncfValue.toPrecision(3)}`;
      svg.append(text(width / 2, HEIGHT - 3, label, 'middle', 'new-label'));
    }
  }
  svg.setAttribute(
    'aria-label',
    `Network: ${widths[0]} inputs, hidden widths ${widths.slice(1, -1).join('×')}, ${widths[depth]} output(s)`,
  );
}

function el(name: string, attributes: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function text(x: number, y: number, content: string, anchor: 'start' | 'middle' | 'end', cls = ''): SVGElement {
  const node = el('text', { x, y, 'text-anchor': anchor, class: cls });
  node.textContent = content;
  return node;
}
