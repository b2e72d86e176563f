/**
 * The golden runs: full NP fits whose history is pinned in test/fixtures/ so
 * that every speed optimization is checked against the numbers the code gave
 * before it (golden.test.ts). Data exactly as `neuron-pursuit train --task`
 * draws it. Regenerate with `npm run golden:update`, and only for an intended
 * change of the algorithm, never to make a kernel change pass.
 */
import { type FittedNeuronPursuit, NeuronPursuit } from '../src/pursuit/neuron-pursuit.js';
import { getTask, taskData } from '../src/tasks/tasks.js';

export const GOLDEN_CASES = [
  { task: 'demo', samples: 500, seed: 0 },
  { task: 'hypercube-f1', samples: 1000, seed: 0 },
] as const;

export type GoldenCase = (typeof GOLDEN_CASES)[number];

export function goldenFixturePath(c: GoldenCase): string {
  return `test/fixtures/golden-${c.task}.json`;
}

export function goldenFit(c: GoldenCase): FittedNeuronPursuit {
  const task = getTask(c.task);
  const { train, test } = taskData(task, c.seed, { samples: c.samples, testSamples: 10_000 });
  return new NeuronPursuit({ ...task.defaults, seed: c.seed }).fit(train.X, train.Y, { testX: test.X, testY: test.Y });
}

/** What the fixture pins: every field of the history but `seconds`, the stop reason. */
export function goldenRecord(fitted: FittedNeuronPursuit): unknown {
  return {
    stopReason: fitted.stopReason,
    history: fitted.history.map(({ seconds: _seconds, ...rest }) => rest),
  };
}

/** JSON with non-finite numbers spelled out (JSON itself would turn them into null). */
export function toGoldenJson(value: unknown): string {
  const spelled = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);
  return `${JSON.stringify(value, spelled, 1)}\n`;
}

export function fromGoldenJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => (v === 'Infinity' || v === '-Infinity' || v === 'NaN' ? Number(v) : v));
}

/**
 * Paths where `actual` differs from `expected`: numbers by more than `rel`
 * relative, everything else exactly.
 */
export function goldenDifferences(expected: unknown, actual: unknown, rel: number, path = ''): string[] {
  if (typeof expected === 'number' && typeof actual === 'number') {
    if (Object.is(expected, actual)) return [];
    const scale = Math.max(Math.abs(expected), Math.abs(actual));
    return Math.abs(expected - actual) <= rel * scale ? [] : [`${path}: expected ${expected}, got ${actual}`];
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length)
      return [`${path}: expected ${expected.length} entries, got ${actual.length}`];
    return expected.flatMap((e, i) => goldenDifferences(e, actual[i], rel, `${path}[${i}]`));
  }
  if (
    typeof expected === 'object' &&
    expected !== null &&
    typeof actual === 'object' &&
    actual !== null &&
    !Array.isArray(expected) &&
    !Array.isArray(actual)
  ) {
    const e = expected as Record<string, unknown>,
      a = actual as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(e), ...Object.keys(a)])].sort();
    return keys.flatMap((k) =>
      k in e && k in a
        ? goldenDifferences(e[k], a[k], rel, `${path}.${k}`)
        : [`${path}.${k}: present on one side only`],
    );
  }
  return Object.is(expected, actual)
    ? []
    : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}
