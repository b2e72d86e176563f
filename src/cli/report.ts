/** `neuron-pursuit report STORE|RUN_DIR --out DIR`: SVG and PNG figures and one self-contained HTML page. */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { isPostgresUrl } from '../io/open-store.js';
import { openForReading } from './sweep.js';
import {
  READING_NOTE,
  iterationTable,
  runFigures,
  storeReport,
  type ReportContent,
} from '../report/experiment-report.js';
import { renderFigure } from '../report/figure.js';
import { htmlFields, htmlPage, type PageSection } from '../report/html.js';
import { isIterationHistory } from '../io/run-format.js';
import { gdStopLabel } from '../optim/gradient-descent.js';
import { checkDestination, writeFilesAtomic } from '../io/files.js';
import { readRunFolder } from '../io/run-folder.js';

/** Render every figure and write DIR/{NAME.svg, NAME.png, index.html} and the data files as one unit. */
export async function writeReport(content: ReportContent, out: string, htmlName = 'index.html'): Promise<string[]> {
  const files: Record<string, string | Uint8Array> = { ...content.files };
  const sections: PageSection[] = content.texts.map((t) => ({ title: t.title, text: t.html, html: true }));
  for (const f of content.figures) {
    const { svg, png } = await renderFigure(f.spec);
    files[`${f.name}.svg`] = svg;
    files[`${f.name}.png`] = png;
    sections.push({ title: f.title, svg });
  }
  files[htmlName] = htmlPage(content.title, sections, content.subtitle);
  writeFilesAtomic(out, files);
  return Object.keys(files);
}

/** The report of one run folder written by `train --out`. */
export function runDirReport(dir: string): ReportContent {
  const { summary, history, model } = readRunFolder(dir);
  const task = summary.task;
  const label = `${task ?? 'CSV data'}, seed ${String(summary.seed)}`;
  const test = summary.testError !== undefined ? `, test error ${Number(summary.testError).toExponential(2)}` : '';
  const errors = `training error ${Number(summary.trainError).toExponential(2)}${test}`;
  const records = history.history;
  const texts: ReportContent['texts'] = [{ title: 'Summary', html: summaryFields(summary) }];
  if (records.length > 0 && isIterationHistory(records))
    texts.push({ title: 'Iterations', html: iterationTable(records) });
  texts.push({ title: 'Reading this page', html: READING_NOTE });
  return {
    title: `Neuron Pursuit run: ${basename(dir)}`,
    subtitle: `${label}: stopped on ${summary.stopReason}; ${errors}.`,
    figures: runFigures({ history: records, model }, task, label),
    texts,
  };
}

/** summary.json as a table of what a reader looks for first (the options stay in the file). */
function summaryFields(summary: Record<string, unknown>): string {
  const num = (v: unknown) => (typeof v === 'number' ? (v === 0 ? '0' : v.toExponential(3)) : String(v));
  const fields: [string, string][] = [];
  const add = (name: string, value: unknown, show: (v: unknown) => string = String) => {
    if (value !== undefined && value !== null) fields.push([name, show(value)]);
  };
  add('data', summary.task ?? summary.data);
  add('test data', summary.test);
  add('targets', summary.targets, (v) => (v as string[]).join(', '));
  add('samples (train / test)', summary.samples, (v) => `${v} / ${String(summary.testSamples ?? 0)}`);
  add('seed', summary.seed);
  add('algorithm', summary.algorithm ?? 'np');
  add('stopped', summary.stopReason, (v) =>
    summary.stopMessage ? `${String(v)}: ${String(summary.stopMessage)}` : String(v),
  );
  add('iterations', summary.iterations);
  add('training error', summary.trainError, num);
  add('test error', summary.testError, num);
  add('training classification error', summary.trainClassError, num);
  add('test classification error', summary.testClassError, num);
  add('hidden widths', summary.widths, (v) => (v as number[]).join(' × '));
  if (summary.algorithm === 'gd') {
    add('step size reported', summary.lr);
    const attempts = summary.attempts as
      | { lr: number; gd: { stopReason: Parameters<typeof gdStopLabel>[0]; halvings?: number } }[]
      | undefined;
    add('GD stop', attempts?.find((a) => a.lr === summary.lr)?.gd, (gd) => {
      const g = gd as { stopReason: Parameters<typeof gdStopLabel>[0]; halvings?: number };
      return gdStopLabel(g.stopReason, g.halvings);
    });
  }
  const options = summary.options as Record<string, unknown> | undefined;
  if (options?.intercept || options?.standardize) {
    const on = ['intercept', 'standardize'].filter((k) => options[k]);
    fields.push(['preprocessing', on.join(', ')]);
  }
  add('seconds', summary.seconds, (v) => (v as number).toFixed(1));
  add(
    'code',
    summary.codeVersion,
    (v) => `${String(v)}${summary.codeCommit ? ` (${String(summary.codeCommit)})` : ''}`,
  );
  return htmlFields(fields);
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write figures (SVG, PNG) and an HTML page for a sweep store or a run folder')
    .argument(
      '<source>',
      'a store written by sweep (SQLite file or postgresql:// URL), or a folder written by train --out',
    )
    .requiredOption('--out <dir>', 'a new folder for the figures and index.html (required)')
    .action(async (source: string, opts: { out: string }) => {
      checkDestination(opts.out, 'folder');
      const database = isPostgresUrl(source);
      if (!database && !existsSync(source)) throw new Error(`${source}: no such store or folder`);
      let content: ReportContent;
      if (!database && statSync(source).isDirectory()) content = runDirReport(source);
      else {
        const store = await openForReading(source);
        try {
          content = storeReport(await store.all(), database ? 'PostgreSQL store' : basename(source));
        } finally {
          await store.close();
        }
      }
      const files = await writeReport(content, opts.out);
      const data = Object.keys(content.files ?? {});
      const figures = `${files.length - 1 - data.length} figure file(s)`;
      process.stdout.write(`wrote ${opts.out}/index.html, ${[figures, ...data].join(', ')}\n`);
    });
}
