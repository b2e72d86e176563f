/** `neuron-pursuit report STORE|RUN_DIR --out DIR`: SVG and PNG figures and one self-contained HTML page. */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Command } from 'commander';
import { isPostgresUrl } from '../io/run-store.js';
import { openForReading } from './sweep.js';
import { runFigures, storeReport, type ReportContent } from '../report/experiment-report.js';
import { htmlPage, renderFigure, type PageSection } from '../report/figure.js';
import { writeFilesAtomic } from '../io/files.js';
import { readRunFolder } from '../io/run-folder.js';

/** Render every figure and write DIR/{NAME.svg, NAME.png, index.html} as one unit. */
export async function writeReport(content: ReportContent, out: string, htmlName = 'index.html'): Promise<string[]> {
  const files: Record<string, string | Uint8Array> = {};
  const sections: PageSection[] = content.texts.map((t) => ({ title: t.title, text: t.text }));
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
  return {
    title: `Neuron Pursuit run: ${basename(dir)}`,
    subtitle: `${label}: stopped on ${summary.stopReason}; ${errors}.`,
    figures: runFigures({ history: history.history, model }, task, label),
    texts: [{ title: 'Summary', text: JSON.stringify({ ...summary, options: undefined }, null, 2) }],
  };
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write figures (SVG, PNG) and an HTML page for a sweep store or a run folder')
    .argument(
      '<source>',
      'a store written by sweep (SQLite file or postgresql:// URL), or a folder written by train --out',
    )
    .requiredOption('--out <dir>', 'folder for the figures and index.html')
    .action(async (source: string, opts: { out: string }) => {
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
      process.stdout.write(`wrote ${opts.out}/index.html and ${files.length - 1} figure file(s)\n`);
    });
}
