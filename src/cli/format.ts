/** Plain-text tables and numbers for the terminal. */
import type { IterationRecord } from '../pursuit/history.js';

export function sci(v: number | undefined, digits = 2): string {
  if (v === undefined) return '';
  if (!Number.isFinite(v)) return String(v);
  return v === 0 ? '0' : v.toExponential(digits);
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padStart(widths[c])).join('  ');
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function historyTable(history: IterationRecord[]): string {
  const hasTest = history.some((r) => r.testError !== undefined);
  const hasClass = history.some((r) => r.trainClassError !== undefined);
  const header = ['iter', 'layer', 'NCF', 'KKT res', 'δ', 'GD steps', 'GD stop', 'loss', 'train err'];
  if (hasTest) header.push('test err');
  if (hasClass) header.push('train cls', ...(hasTest ? ['test cls'] : []));
  header.push('widths', 'sec');
  const rows = history.map((r) => {
    const row = [
      String(r.iteration),
      r.layers.length ? r.layers.join(',') : '—',
      sci(r.ncfValue),
      sci(r.kktResidual, 1),
      r.delta.toPrecision(3) + (r.deltaShrinks ? `/${2 ** r.deltaShrinks}` : '') + (r.deltaWarning ? '!' : ''),
      String(r.gdSteps),
      r.gdStopReason,
      sci(r.loss),
      sci(r.trainError),
    ];
    if (hasTest) row.push(sci(r.testError));
    if (hasClass) row.push(pct(r.trainClassError), ...(hasTest ? [pct(r.testClassError)] : []));
    row.push(r.widths.join('×'), r.seconds.toFixed(1));
    return row;
  });
  return table(header, rows);
}

function pct(v: number | undefined): string {
  return v === undefined ? '' : (100 * v).toFixed(1) + '%';
}

/** camelCase option name → its --kebab-case flag. */
export function flagName(option: string): string {
  return '--' + option.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}
