/** Plain-text tables and numbers for the terminal. */
import type { FittedNetwork } from '../estimators/registry.js';
import { gdStopLabel } from '../optim/gradient-descent.js';
import type { IterationRecord } from '../pursuit/history.js';

export function sci(v: number | undefined, digits = 2): string {
  if (v === undefined) return '';
  if (!Number.isFinite(v)) return String(v);
  return v === 0 ? '0' : v.toExponential(digits);
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) => cells.map((cell, c) => cell.padStart(widths[c]!)).join('  ');
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
      gdStopLabel(r.gdStopReason, r.gdHalvings),
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
  return v === undefined ? '' : `${(100 * v).toFixed(1)}%`;
}

/** camelCase option name → its --kebab-case flag. */
export function flagName(option: string): string {
  return `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** What `train` prints of a fit: the algorithm's own table and headline, the errors, its closing line. */
export function fitText(fitted: FittedNetwork, seconds: number): string[] {
  const s = fitted.summary();
  const errors = [`training error: ${sci(s.trainError, 3)}`];
  if (s.testError !== undefined) errors.push(`test error: ${sci(s.testError, 3)}`);
  if (s.testClassError !== undefined) errors.push(`test classification error: ${(100 * s.testClassError).toFixed(2)}%`);
  switch (fitted.algorithm) {
    case 'np':
    case 'gradmax':
    case 'tiny':
    case 'random':
      return [
        historyTable(fitted.history),
        '',
        `stopped: ${fitted.stopReason} (${fitted.stopMessage})`,
        ...errors,
        `widths: ${s.widths.join('×')}, ${fitted.iterations} iteration(s), ${seconds.toFixed(1)} s`,
      ];
    case 'gd': {
      const best = fitted.best;
      const attempts = fitted.attempts.map(
        (a) =>
          `${String(a.lr).padStart(6)}  ${String(a.gd.steps).padStart(7)}  ` +
          `${gdStopLabel(a.gd.stopReason, a.gd.halvings).padEnd(13)}  ` +
          `${sci(a.trainError, 3).padStart(9)}  ${sci(a.testError, 3).padStart(9)}${a === best ? '  ← reported' : ''}`,
      );
      return [
        '     η    steps  stop           train err   test err',
        ...attempts,
        '',
        `small-init GD, ${s.widths.join('×')} hidden, radius ${fitted.options.radius}: best η = ${best.lr}`,
        ...errors,
        `${seconds.toFixed(1)} s`,
      ];
    }
  }
}

/** A grid point as progress lines and listings name it. */
export function pointLabel(p: { task: string; samples: number; seed: number; algorithm: string; lr: number }): string {
  return `${p.task} n=${p.samples} seed=${p.seed} ${p.algorithm} lr=${p.lr}`;
}
