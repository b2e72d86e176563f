/**
 * Hand-built teacher networks: for every target that a small homogeneous
 * network represents exactly, the network itself (docs/algorithm.md §8). They show that the
 * task is learnable at the task's depth and activation, and size the sparsest
 * solution NP could find.
 */
import { makeActivation } from '../model/activation.js';
import { Network } from '../model/network.js';

/** A layer given as rows of {input index: weight}; missing entries are 0. */
type SparseLayer = Partial<Record<number, number>>[];

function build(inputDim: number, layers: SparseLayer[], activation: { name: string; alpha?: number }): Network {
  const widths = [inputDim, ...layers.map((l) => l.length)];
  const params: number[] = [];
  layers.forEach((rows, i) => {
    for (const row of rows) {
      const dense = Array<number>(widths[i]!).fill(0);
      for (const [c, w] of Object.entries(row)) dense[Number(c)] = w ?? 0;
      params.push(...dense);
    }
  });
  return new Network(widths, makeActivation(activation), params);
}

const RELU = { name: 'relu' };

/** σ(σ(x1+x2) − σ(x3+x4)), d = 20. */
function hypersphereF1(): Network {
  return build(
    20,
    [
      [
        { 0: 1, 1: 1 },
        { 2: 1, 3: 1 },
      ],
      [{ 0: 1, 1: -1 }],
      [{ 0: 1 }],
    ],
    RELU,
  );
}

/** σ(n1 − n5) + σ(n2 − n6) + σ(n3 − n4), n1..n3 = σ(pair sums), n4..n6 = σ(pair differences). */
function hypersphereF2(): Network {
  const sums = [
    { 0: 1, 1: 1 },
    { 2: 1, 3: 1 },
    { 4: 1, 5: 1 },
  ];
  const diffs = [
    { 0: 1, 1: -1 },
    { 2: 1, 3: -1 },
    { 4: 1, 5: -1 },
  ];
  return build(
    20,
    [
      [...sums, ...diffs],
      [
        { 0: 1, 4: -1 },
        { 1: 1, 5: -1 },
        { 2: 1, 3: -1 },
      ],
      [{ 0: 1, 1: 1, 2: 1 }],
    ],
    RELU,
  );
}

/** σ(σ(x1+x2+x3) − 2σ(x1−x2)), d = 20. */
function demo(): Network {
  return build(
    20,
    [
      [
        { 0: 1, 1: 1, 2: 1 },
        { 0: 1, 1: -1 },
      ],
      [{ 0: 1, 1: -2 }],
      [{ 0: 1 }],
    ],
    RELU,
  );
}

/**
 * max by ReLU: max(a, b) = σ(a − b) + σ(b) − σ(−b). A value v that must cross a
 * layer unchanged travels as the pair σ(v), σ(−v).
 */
function gaussianF1(): Network {
  // layer 1: σ(x1−x2), σ(x2), σ(−x2), σ(x3), σ(−x3)  →  m = max(x1, x2) = u0 + u1 − u2
  const l1 = [{ 0: 1, 1: -1 }, { 1: 1 }, { 1: -1 }, { 2: 1 }, { 2: -1 }];
  // layer 2: σ(m − x3), σ(x3), σ(−x3)  →  max(m, x3) = v0 + v1 − v2
  const l2 = [{ 0: 1, 1: 1, 2: -1, 3: -1, 4: 1 }, { 3: 1 }, { 4: 1 }];
  // layer 3 passes the (non-negative) values on.
  const l3 = [{ 0: 1 }, { 1: 1 }, { 2: 1 }];
  return build(10, [l1, l2, l3, [{ 0: 1, 1: 1, 2: -1 }]], RELU);
}

function gaussianF2(): Network {
  // layer 1: m12 = u0 + u1 − u2, m34 = u3 + u4 − u5, x5 = u6 − u7
  const l1 = [{ 0: 1, 1: -1 }, { 1: 1 }, { 1: -1 }, { 2: 1, 3: -1 }, { 3: 1 }, { 3: -1 }, { 4: 1 }, { 4: -1 }];
  // layer 2: σ(m12 − m34), σ(m34), σ(−m34), σ(x5), σ(−x5)  →  m1234 = v0 + v1 − v2, x5 = v3 − v4
  const l2 = [
    { 0: 1, 1: 1, 2: -1, 3: -1, 4: -1, 5: 1 },
    { 3: 1, 4: 1, 5: -1 },
    { 3: -1, 4: -1, 5: 1 },
    { 6: 1, 7: -1 },
    { 6: -1, 7: 1 },
  ];
  // layer 3: σ(m1234 − x5), σ(x5), σ(−x5)
  const l3 = [
    { 0: 1, 1: 1, 2: -1, 3: -1, 4: 1 },
    { 3: 1, 4: -1 },
    { 3: -1, 4: 1 },
  ];
  return build(10, [l1, l2, l3, [{ 0: 1, 1: 1, 2: -1 }]], RELU);
}

/**
 * Parities on {±1}^d with leaky-ReLU σ(z) = max(z, αz):
 * σ(z) + σ(−z) = (1 − α)|z|,  σ(z) − σ(−z) = (1 + α)z,  and for a, b ∈ {±1}
 * ab = (|a + b| − |a − b|) / 2.
 */
function hypercube(withPair: boolean, alpha = 0.1): Network {
  const abs = 1 / (1 - alpha),
    lin = 1 / (1 + alpha);
  // layer 1: σ(±(x1+x2)), σ(±(x1−x2)), σ(±(x3+x4)), σ(±(x3−x4))
  const l1 = [
    { 0: 1, 1: 1 },
    { 0: -1, 1: -1 },
    { 0: 1, 1: -1 },
    { 0: -1, 1: 1 },
    { 2: 1, 3: 1 },
    { 2: -1, 3: -1 },
    { 2: 1, 3: -1 },
    { 2: -1, 3: 1 },
  ];
  // a = x1x2 and b = x3x4, linear in layer 1's outputs
  const a = { 0: abs / 2, 1: abs / 2, 2: -abs / 2, 3: -abs / 2 };
  const b = { 4: abs / 2, 5: abs / 2, 6: -abs / 2, 7: -abs / 2 };
  const combine = (sa: number, sb: number) => {
    const row: Record<number, number> = {};
    for (const [k, v] of Object.entries(a)) row[Number(k)] = sa * v;
    for (const [k, v] of Object.entries(b)) row[Number(k)] = sb * v;
    return row;
  };
  // layer 2: σ(±(a+b)), σ(±(a−b)) for ab; and σ(±a) to carry a itself
  const l2 = [combine(1, 1), combine(-1, -1), combine(1, -1), combine(-1, 1)];
  const out: Record<number, number> = { 0: abs / 2, 1: abs / 2, 2: -abs / 2, 3: -abs / 2 };
  if (withPair) {
    l2.push(combine(1, 0), combine(-1, 0));
    out[4] = lin;
    out[5] = -lin;
  }
  return build(20, [l1, l2, [out]], { name: 'leaky-relu', alpha });
}

/** x1 + x2 = σ(x1 + x2) − σ(−x1 − x2): both halves relayed through layers 2 and 3 on their own. */
function deepLinear(): Network {
  const relay = [{ 0: 1 }, { 1: 1 }];
  return build(
    10,
    [
      [
        { 0: 1, 1: 1 },
        { 0: -1, 1: -1 },
      ],
      relay,
      relay,
      [{ 0: 1, 1: -1 }],
    ],
    RELU,
  );
}

/** σ(x1+x2) − σ(x1−x3): each ReLU relayed through layers 2 and 3 on its own (they leave with opposite signs). */
function deepReluDiff(): Network {
  const l1 = [
    { 0: 1, 1: 1 },
    { 0: 1, 2: -1 },
  ];
  const relay = [{ 0: 1 }, { 1: 1 }];
  return build(10, [l1, relay, relay, [{ 0: 1, 1: -1 }]], RELU);
}

/** Teacher networks by task name. */
export const TEACHERS: Record<string, () => Network> = {
  demo,
  'hypersphere-f1': hypersphereF1,
  'hypersphere-f2': hypersphereF2,
  'gaussian-f1': gaussianF1,
  'gaussian-f2': gaussianF2,
  'hypercube-f1': () => hypercube(true),
  'hypercube-f2': () => hypercube(false),
  'deep-linear': deepLinear,
  'deep-relu-diff': deepReluDiff,
};
