#!/usr/bin/env node
/**
 * `npm run bench:growth`: the measurement behind NP's growth defaults (docs/algorithm.md, "Dead samples and paths").
 * Every rule on every task of the grid below, 3 seeds, through the built CLI (`train --json`), two runs at a time.
 * Each finished run is appended to bench/results/growth-rules.jsonl as one line, so a killed measurement resumes where
 * it stopped; `--table` prints the markdown table of what the file holds.
 *
 *   node bench/growth-rules.mjs [--only TASK] [--samples N] [--rules low,paths] [--seeds 0,1] [--workers N] [--table]
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const results = join(root, 'bench/results/growth-rules.jsonl');

/** Rule name → train flags. `paths` is the default for α = 0 activations; `low` is the paper's NP. */
const RULES = {
  low: ['--growth', 'neurons', '--zero-slope', 'low'],
  half: ['--growth', 'neurons', '--zero-slope', 'half'],
  high: ['--growth', 'neurons', '--zero-slope', 'high'],
  paths: ['--growth', 'paths', '--zero-slope', 'low'],
};
const GRID = [
  ['deep-linear', 1000],
  ['deep-relu-diff', 1000],
  ['demo', 500],
  ['hypersphere-f1', 400],
  ['hypersphere-f2', 400],
  ['hypercube-f1', 1000],
  ['gaussian-f1', 1000],
  ['gaussian-f2', 1000],
  ['gaussian-f1', 2000],
  ['gaussian-f2', 2000],
];
const SEEDS = [0, 1, 2];

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

function load() {
  if (!existsSync(results)) return [];
  return readFileSync(results, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}
const key = (r) => `${r.rule} ${r.task} ${r.samples} ${r.seed}`;

if (args.includes('--table')) {
  printTable(load());
} else {
  const done = new Set(load().map(key));
  const only = flag('--only');
  const list = (name, all) => flag(name)?.split(',') ?? all;
  const jobs = [];
  for (const seed of list('--seeds', SEEDS).map(Number)) {
    for (const [task, samples] of GRID) {
      if ((only && task !== only) || (flag('--samples') && samples !== Number(flag('--samples')))) continue;
      for (const rule of list('--rules', Object.keys(RULES))) {
        if (!(rule in RULES)) throw new Error(`unknown rule '${rule}' (rules: ${Object.keys(RULES).join(', ')})`);
        const job = { rule, task, samples, seed };
        if (!done.has(key(job))) jobs.push(job);
      }
    }
  }
  const workers = Number(flag('--workers') ?? 2);
  console.error(`${jobs.length} runs to go (${done.size} in ${results}), ${workers} at a time`);
  await Promise.all(Array.from({ length: workers }, () => work(jobs)));
  printTable(load());
}

async function work(jobs) {
  for (let job = jobs.shift(); job; job = jobs.shift()) {
    const summary = await train(job);
    const row = {
      ...job,
      iterations: summary.iterations,
      stopReason: summary.stopReason,
      widths: summary.widths,
      trainError: summary.trainError,
      testError: summary.testError,
      seconds: summary.seconds,
      load: os.loadavg()[0],
      date: new Date().toISOString(),
    };
    appendFileSync(results, `${JSON.stringify(row)}\n`);
    console.error(
      `${key(job)}: ${row.iterations} it, ${row.widths.join('×')}, ` +
        `test ${row.testError.toExponential(2)}, ${row.seconds.toFixed(0)} s`,
    );
  }
}

function train({ rule, task, samples, seed }) {
  const argv = [
    join(root, 'dist/src/cli/main.js'),
    'train',
    '--task',
    task,
    '--samples',
    String(samples),
    '--seed',
    String(seed),
    '--json',
    '--quiet',
    ...RULES[rule],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${argv.join(' ')} exited with ${code}`)),
    );
  });
}

function printTable(rows) {
  const cell = (r) =>
    r
      ? `${r.iterations} · ${r.widths.join('×')} · ` +
        `${r.trainError.toExponential(1)} / ${r.testError.toExponential(1)} · ${r.seconds.toFixed(0)} s`
      : '—';
  const lines = [
    `| task (n) | seed | ${Object.keys(RULES).join(' | ')} |`,
    `|---|---|${Object.keys(RULES)
      .map(() => '---')
      .join('|')}|`,
  ];
  for (const [task, samples] of GRID) {
    for (const seed of SEEDS) {
      const cells = Object.keys(RULES).map((rule) =>
        cell(rows.find((r) => key(r) === key({ rule, task, samples, seed }))),
      );
      if (cells.every((c) => c === '—')) continue;
      lines.push(`| ${task} (${samples}) | ${seed} | ${cells.join(' | ')} |`);
    }
  }
  console.log('Each cell: iterations · hidden widths · train / test error · seconds\n');
  console.log(lines.join('\n'));
}
