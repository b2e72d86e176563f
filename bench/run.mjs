#!/usr/bin/env node
/**
 * `npm run bench`: steps per second of this library's kernels against PyTorch
 * (float64; one thread and all threads; on an optimized BLAS, as its users run
 * it) and TF.js (float32, its cpu and wasm backends), on the same data, in one run.
 * PyTorch's BLAS is checked at the start (the library its dgemm comes from):
 * run as root, the bench installs Debian's libopenblas0-pthread when it is the
 * netlib reference BLAS; on the reference BLAS it shows a notice, not a ratio. Every measurement runs in its own
 * child process; the engines take turns inside each round and each number is
 * the median over rounds, because the machine may be shared. Then one whole
 * NP fit, against PyTorch and TF.js replaying the same work (bench/work-log.ts). Writes
 * bench/results/latest.json and a dated copy beside it.
 *
 * Environment: BENCH_ROUNDS (default 3), BENCH_SECONDS per measurement
 * (default 0.6), BENCH_SKIP_FIT=1 to skip the whole NP fit, BENCH_VARIANTS=0 to skip the np variants
 * (the WebAssembly kernels, the native ones on two threads) that show what each kernel change bought.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { GD_CASES, PGA_CASE, BENCH_LR, PGA_LR, gdFlops, pgaFlops, writeBenchData } = await import(
  join(root, 'dist/bench/cases.js')
);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 0.6);
const python = '/usr/bin/python3';
const threadsAll = os.cpus().length;

function torchVersion() {
  const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}
/** The BLAS torch loads (bench/engine_torch.py blas_info): kind, the library with its dgemm, OpenBLAS's own report. */
function torchBlas() {
  const r = spawnSync(python, [join(root, 'bench/engine_torch.py'), 'blas'], { encoding: 'utf8' });
  return r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)) : null;
}
const asRoot = process.getuid?.() === 0;
/** apt-get install, after an apt-get update if the first try fails; stderr shown. */
function aptInstall(packages) {
  const install = `apt-get install -y ${packages}`;
  spawnSync('sh', ['-c', `${install} || (apt-get update && ${install})`], { stdio: ['ignore', 'ignore', 'inherit'] });
}
let torch = torchVersion();
if (torch === null && asRoot) {
  console.error('PyTorch not found for /usr/bin/python3: apt-get install -y python3-torch …');
  aptInstall('python3-torch python3-numpy libopenblas0-pthread');
  torch = torchVersion();
}
const notices = [];
if (torch === null)
  notices.push('PyTorch skipped: python3-torch is not installed and could not be installed with apt-get');
// PyTorch as its users run it: on an optimized BLAS. Debian's python3-torch links libblas.so.3, which is the
// netlib reference implementation unless an optimized one (OpenBLAS here) provides it; pip wheels bundle one.
let blas = torch ? torchBlas() : null;
if (blas?.kind === 'reference' && asRoot) {
  console.error('PyTorch runs on the reference BLAS: apt-get install -y libopenblas0-pthread …');
  aptInstall('libopenblas0-pthread');
  blas = torchBlas();
}
/** No ratio against PyTorch on the reference BLAS: nobody runs it that way. */
const torchOnReference = blas?.kind === 'reference';
if (torch && !blas) notices.push('could not tell which BLAS PyTorch loads (bench/engine_torch.py blas failed)');
else if (blas?.kind === 'unknown') notices.push(`PyTorch's BLAS is not one the bench knows: dgemm from ${blas.dgemm}`);
let tfjs = null;
try {
  tfjs = (await import('@tensorflow/tfjs/package.json', { with: { type: 'json' } })).default.version;
} catch {
  notices.push('TF.js skipped: @tensorflow/tfjs is not installed (npm ci installs it as a dev-dependency)');
}

/**
 * OpenBLAS keeps its own thread pool, which torch.set_num_threads (PyTorch 1.13) leaves at all cores: each
 * PyTorch engine gets OPENBLAS_NUM_THREADS = its thread count, unless the environment sets it already.
 */
const openblasThreads = (n) => (process.env.OPENBLAS_NUM_THREADS ? {} : { OPENBLAS_NUM_THREADS: String(n) });

/** The machine's peak for the path this library runs (native AVX2 without FMA), 1 and 2 threads; null without it. */
const peakRun = spawnSync('node', [join(root, 'dist/bench/engine-np.js'), 'peak', os.tmpdir(), '0.5'], {
  encoding: 'utf8',
});
const peakGflops = peakRun.status === 0 ? JSON.parse(peakRun.stdout.trim().split('\n').at(-1)).peakGflops : null;
/** The np variants run where the native kernels do (the peak probe tells). */
const variants = process.env.BENCH_VARIANTS !== '0' && peakGflops?.[1] != null;

const engines = [
  {
    name: 'np',
    label: 'neuron-pursuit',
    cmd: (c, dir) => ['node', [join(root, 'dist/bench/engine-np.js'), c, dir, String(seconds)]],
  },
  // What each kernel change bought, in the same run: the WebAssembly kernels, and the native ones on 2 threads.
  ...(variants
    ? [
        {
          name: 'np-wasm',
          label: 'np wasm',
          cmd: (c, dir) => ['node', [join(root, 'dist/bench/engine-np.js'), c, dir, String(seconds)]],
          env: { NEURON_PURSUIT_KERNELS: 'wasm' },
        },
        {
          name: 'np-native-2',
          label: 'np native 2 threads',
          cmd: (c, dir) => ['node', [join(root, 'dist/bench/engine-np.js'), c, dir, String(seconds)]],
          env: { NEURON_PURSUIT_KERNELS: 'native', NEURON_PURSUIT_THREADS: '2' },
        },
      ]
    : []),
  ...(torch
    ? [
        {
          name: 'torch-1',
          label: 'PyTorch 1 thread',
          cmd: (c, dir) => [python, [join(root, 'bench/engine_torch.py'), c, dir, String(seconds), '1']],
          env: openblasThreads(1),
        },
        {
          name: `torch-${threadsAll}`,
          label: `PyTorch ${threadsAll} threads`,
          cmd: (c, dir) => [python, [join(root, 'bench/engine_torch.py'), c, dir, String(seconds), String(threadsAll)]],
          env: openblasThreads(threadsAll),
        },
      ]
    : []),
  ...(tfjs
    ? [
        {
          name: 'tfjs-cpu',
          label: 'TF.js cpu (f32)',
          cmd: (c, dir) => ['node', [join(root, 'bench/engine-tfjs.mjs'), c, dir, String(seconds), 'cpu']],
        },
        {
          name: 'tfjs-wasm',
          label: 'TF.js wasm (f32)',
          cmd: (c, dir) => ['node', [join(root, 'bench/engine-tfjs.mjs'), c, dir, String(seconds), 'wasm']],
        },
      ]
    : []),
];

const specs = {};
for (const c of GD_CASES) specs[c.name] = { widths: c.widths, n: c.n, lr: BENCH_LR, activation: c.activation };
specs[PGA_CASE.name] = { ...PGA_CASE, lr: PGA_LR };
const caseNames = [...GD_CASES.map((c) => c.name), PGA_CASE.name];
const flops = Object.fromEntries([...GD_CASES.map((c) => [c.name, gdFlops(c)]), [PGA_CASE.name, pgaFlops()]]);

/** Every PyTorch measurement reports its BLAS: it must be the one probed at the start. */
const blasByEngine = {};
function checkBlas(engine, seen) {
  blasByEngine[engine.name] ??= seen;
  if (seen.dgemm !== blas?.dgemm && !notices.some((n) => n.includes(seen.dgemm))) {
    notices.push(`${engine.label} ran dgemm from ${seen.dgemm}, not ${blas?.dgemm} as probed at the start`);
  }
}

const dataDir = mkdtempSync(join(os.tmpdir(), 'np-bench-'));
writeBenchData(dataDir);
const env = { ...process.env, BENCH_CASES: JSON.stringify(specs) };
const samples = {}; // case → engine → [{secondsPerStep, maxRssMiB}]
const failed = {};
const loadBefore = os.loadavg();
const npKernels = {}; // what the np engine ran: backend and threads
let npThreads = 1;
try {
  for (let round = 0; round < rounds; round++) {
    for (const c of caseNames) {
      // Rotate who goes first, so no engine always gets the quietest slot.
      const order = engines.map((_, i) => engines[(i + round) % engines.length]);
      for (const e of order) {
        if (failed[e.name]?.[c]) continue;
        const [bin, args] = e.cmd(c, dataDir);
        const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...env, ...e.env }, cwd: root });
        if (r.status !== 0) {
          failed[e.name] ??= {};
          failed[e.name][c] = (r.stderr || r.error?.message || '').trim().split('\n').at(-1);
          notices.push(`${e.label} failed on ${c}: ${failed[e.name][c]}`);
          continue;
        }
        const sample = JSON.parse(r.stdout.trim().split('\n').at(-1));
        if (sample.blas) checkBlas(e, sample.blas);
        if (sample.backend && e.name === 'np') {
          npKernels[`${sample.backend}, ${sample.threads} thread(s)`] = true;
          npThreads = sample.threads;
        }
        samples[c] ??= {};
        samples[c][e.name] ??= [];
        samples[c][e.name].push(sample);
      }
      process.stderr.write(`round ${round + 1}/${rounds}: ${c}\n`);
    }
  }
  if (process.env.BENCH_SKIP_FIT !== '1') {
    // Ours timed once; then the same fit untimed with its work logged, which PyTorch and TF.js
    // replay (the same passes and PGA steps at the same shapes; bench/work-log.ts).
    process.stderr.write('whole NP fit (hypercube-f1, n = 1,000, seed 0) …\n');
    const fitRun = (bin, args, extraEnv = {}) => {
      const r = spawnSync(bin, args, { encoding: 'utf8', cwd: root, env: { ...env, ...extraEnv } });
      if (r.status !== 0)
        notices.push(`NP fit (${args[0]} ${args.at(-1)}) failed: ${(r.stderr || '').trim().split('\n').at(-1)}`);
      return r.status === 0 ? JSON.parse(r.stdout.trim().split('\n').at(-1)) : null;
    };
    const ours = fitRun('node', [join(root, 'dist/bench/engine-np.js'), 'np-fit', dataDir, '0']);
    if (ours) samples['np-fit'] = { np: [ours] };
    // TF.js only on its fastest backend (wasm): cpu is slower on every single step and would take minutes.
    const replaying = engines.filter((x) => x.name.startsWith('torch-') || x.name === 'tfjs-wasm');
    const logged =
      ours &&
      replaying.length > 0 &&
      spawnSync('node', [join(root, 'dist/bench/work-log.js'), dataDir], { stdio: ['ignore', 'ignore', 'inherit'] })
        .status === 0;
    if (logged) {
      for (const e of replaying) {
        process.stderr.write(`  ${e.label} replaying its work …\n`);
        const [bin, args] = e.cmd('np-fit', dataDir);
        const replay = fitRun(bin, args, e.env);
        if (replay) samples['np-fit'][e.name] = [replay];
      }
    }
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cases = [];
if (samples['np-fit']) flops['np-fit'] = null; // a whole fit: no flop count
for (const c of [...caseNames, ...(samples['np-fit'] ? ['np-fit'] : [])]) {
  const row = { case: c, flopsPerStep: flops[c], engines: {} };
  for (const e of engines) {
    const runs = samples[c]?.[e.name];
    if (!runs) continue;
    const t = median(runs.map((r) => r.secondsPerStep));
    row.engines[e.name] = {
      secondsPerStep: t,
      gflops: flops[c] ? flops[c] / t / 1e9 : null,
      maxRssMiB: Math.max(...runs.map((r) => r.maxRssMiB)),
      samples: runs.map((r) => r.secondsPerStep),
    };
  }
  const np = row.engines.np?.secondsPerStep;
  const best = (prefix) => {
    const ts = Object.entries(row.engines)
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => v.secondsPerStep);
    return ts.length ? Math.min(...ts) : undefined;
  };
  const torchBest = best('torch-'),
    tfjsBest = best('tfjs-');
  if (np && torchBest && !torchOnReference) row.speedupVsTorch = torchBest / np;
  if (np && tfjsBest) row.speedupVsTfjs = tfjsBest / np;
  cases.push(row);
}
const fit = samples['np-fit']?.np?.[0];
const result = {
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model,
    cpus: threadsAll,
    node: process.version,
    torch,
    torchBlas: blas && {
      ...blas,
      threadsByEngine: Object.fromEntries(
        Object.entries(blasByEngine).map(([k, v]) => [k, v.openblas?.threads ?? null]),
      ),
    },
    tfjs,
    npKernels: Object.keys(npKernels),
    npPeakGflops: peakGflops,
    loadavgBefore: loadBefore,
    loadavgAfter: os.loadavg(),
  },
  settings: { rounds, secondsPerMeasurement: seconds, gdLr: BENCH_LR, pgaLr: PGA_LR },
  cases,
  npFit: fit
    ? {
        task: 'hypercube-f1',
        samples: 1000,
        seed: 0,
        seconds: fit.secondsPerStep,
        maxRssMiB: fit.maxRssMiB,
        replaySeconds: Object.fromEntries(
          Object.entries(samples['np-fit'])
            .filter(([k]) => k !== 'np')
            .map(([k, v]) => [k, v[0].secondsPerStep]),
        ),
      }
    : null,
  peakRssMiB: {
    'gd-wide': Object.fromEntries(
      Object.entries(cases.find((c) => c.case === 'gd-wide')?.engines ?? {}).map(([k, v]) => [k, v.maxRssMiB]),
    ),
  },
  notices,
};

// The table.
const us = (t) =>
  t === undefined
    ? '—'
    : t >= 1
      ? `${t.toFixed(2)} s`
      : t >= 1e-3
        ? `${(t * 1e3).toFixed(2)} ms`
        : `${(t * 1e6).toFixed(0)} µs`;
const x = (r) => (r === undefined ? '—' : `${r.toFixed(2)}×`);
const vsTorch = (row) => (torchOnReference && torch ? 'REF BLAS' : x(row.speedupVsTorch));
const header = ['case', ...engines.map((e) => e.label), 'np GFLOP/s', 'vs PyTorch', 'vs TF.js'];
const lines = [header];
for (const row of cases) {
  lines.push([
    row.case,
    ...engines.map((e) => us(row.engines[e.name]?.secondsPerStep)),
    row.engines.np?.gflops ? row.engines.np.gflops.toFixed(2) : '—',
    vsTorch(row),
    x(row.speedupVsTfjs),
  ]);
}
const widthsOf = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
const out = lines.map((l) => l.map((s, i) => (i === 0 ? s.padEnd(widthsOf[i]) : s.padStart(widthsOf[i]))).join('  '));
out.splice(1, 0, widthsOf.map((w) => '-'.repeat(w)).join('  '));
console.log(
  'time per step (median over rounds); "vs" = reference time / neuron-pursuit time (best thread setting / backend)',
);
console.log(out.join('\n'));
const gflopsLine = engines
  .map(
    (e) =>
      `${e.label}: ${cases
        .filter((r) => r.flopsPerStep)
        .map((r) => (r.engines[e.name] ? r.engines[e.name].gflops.toFixed(2) : '—'))
        .join(' / ')}`,
  )
  .join('\n  ');
console.log(`GFLOP/s per case (${caseNames.join(' / ')}):\n  ${gflopsLine}`);
const peakAll = peakGflops?.[Math.min(2, npThreads)];
if (peakAll) {
  const share = cases
    .filter((r) => r.flopsPerStep && r.engines.np)
    .map((r) => `${((100 * r.engines.np.gflops) / peakAll).toFixed(0)}%`)
    .join(' / ');
  console.log(
    `neuron-pursuit ran ${Object.keys(npKernels).join('; ')}; this machine's peak for AVX2 without FMA: ` +
      `${peakGflops[1].toFixed(1)} GFLOP/s on 1 thread, ${peakGflops[2].toFixed(1)} on 2; ` +
      `np at ${share} of the ${Math.min(2, npThreads)}-thread peak`,
  );
} else {
  console.log(`neuron-pursuit ran ${Object.keys(npKernels).join('; ')} (no native kernels: no peak measured)`);
}
if (fit) {
  console.log(
    'np-fit: the whole NP fit of hypercube-f1 (n = 1,000, seed 0), once; ' +
      'PyTorch and TF.js (wasm) replay the same passes and PGA steps (bench/work-log.ts)',
  );
}
console.log(
  `peak RSS, gd-wide: ${Object.entries(result.peakRssMiB['gd-wide'])
    .map(([k, v]) => `${k} ${v.toFixed(0)} MiB`)
    .join(', ')}`,
);
const loads = (values) => values.map((v) => v.toFixed(2)).join(' ');
console.log(
  `load average before/after: ${loads(loadBefore)} / ${loads(result.machine.loadavgAfter)} on ${threadsAll} CPUs`,
);
if (blas) {
  const ob = blas.openblas;
  const what = ob ? `${ob.config.split(' ').slice(0, 2).join(' ')}, its ${ob.core} kernels` : blas.kind;
  const vars = Object.entries(blas.env).map(([k, v]) => `${k}=${v}`);
  console.log(
    `PyTorch ${torch} BLAS: ${what} (dgemm from ${blas.dgemm}); ` +
      `OPENBLAS_* at the start: ${vars.length ? vars.join(' ') : 'none'}; ` +
      'each PyTorch engine: OPENBLAS_NUM_THREADS = ' +
      `${process.env.OPENBLAS_NUM_THREADS ? `${process.env.OPENBLAS_NUM_THREADS} (set outside)` : 'its thread count'}`,
  );
}
if (torchOnReference) {
  const bar = '!'.repeat(100);
  console.log(
    [
      bar,
      '!! PyTorch ran on the netlib REFERENCE BLAS',
      `!!   (${blas.dgemm}).`,
      '!! Nobody runs PyTorch that way (pip wheels bundle MKL or OpenBLAS; Debian users get OpenBLAS with',
      '!! python3-scipy or python3-sklearn), so no ratio against it is shown. Install an optimized BLAS',
      '!! (as root: apt-get install libopenblas0-pthread; the bench does it when run as root) and re-run.',
      bar,
    ].join('\n'),
  );
}
for (const n of notices) console.log(`notice: ${n}`);

const resultsDir = join(root, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const json = `${JSON.stringify(result, null, 2)}\n`;
for (const name of ['latest.json', `${result.date.slice(0, 16).replace(':', '-')}.json`]) {
  const tmp = join(resultsDir, `.${name}.tmp`);
  writeFileSync(tmp, json);
  renameSync(tmp, join(resultsDir, name));
}
console.log(`wrote bench/results/latest.json and bench/results/${result.date.slice(0, 16).replace(':', '-')}.json`);
