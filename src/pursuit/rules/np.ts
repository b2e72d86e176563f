/**
 * NP's growth rule (docs/algorithm.md §4, §5): every candidate family's NCF of the residual maximized by
 * multi-start PGA; the best direction(s) on the unit sphere, placed at scale δ with back-tracking. With growth
 * 'paths', each family's dominant KKT point is placed alone and those that lower the loss most win.
 */
import { matrix } from '../../linalg/matrix.js';
import type { Rng } from '../../linalg/rng.js';
import { type CandidateFamily, addCandidate, candidateFamilies } from '../../ncf/candidates.js';
import { JointNcf } from '../../ncf/joint.js';
import type { NcfObjective } from '../../ncf/objective.js';
import { type PgaResult, projectedGradientAscent } from '../../ncf/pga.js';
import { type Growth, type GrowthContext, type GrowthRule, placeWithBacktracking, spread } from '../growth-rule.js';
import type { ResolvedOptions } from '../options.js';

interface Candidate {
  family: CandidateFamily;
  a: Float64Array;
  b: Float64Array;
  /** NCF on the unit sphere of all the candidate's new weights. */
  value: number;
}

/** A PGA search and the candidates it found (one per restart). */
interface Search {
  result: PgaResult;
  candidates: Candidate[];
}

/** Multi-start PGA on an NCF with the run's settings (iteration 1's own step size and cap where `first`). */
export function pursue(objective: NcfObjective, label: string, o: ResolvedOptions, rng: Rng, first = false): PgaResult {
  return projectedGradientAscent(objective, {
    restarts: o.restarts,
    steps: first ? (o.firstPgaSteps ?? o.pgaSteps) : o.pgaSteps,
    lr: first ? (o.firstPgaLr ?? o.pgaLr) : o.pgaLr,
    tol: o.pgaTol,
    rng: rng.fork(label),
  });
}

export const npRule: GrowthRule = {
  name: 'np',
  grow(context: GrowthContext): Growth | string {
    const { iteration: k, net: saddle, X, residual, lossBefore, options: o, rng } = context;
    const maxPath = o.growth === 'paths' ? o.maxPath : 1;
    const families = candidateFamilies(saddle, X, residual, { tieRule: o.tieRule, maxPath });
    const singles = families.filter((f) => f.neurons === 1),
      paths = families.filter((f) => f.neurons > 1);
    const search = (family: CandidateFamily) => familySearch(family, k, o, rng);
    const searches = [...(o.joint ? [jointSearch(singles, k, o, rng)] : singles.map(search)), ...paths.map(search)];
    const candidates = searches.flatMap((s) => s.candidates);
    const place = (chosen: Candidate[]) =>
      placeWithBacktracking(context, (delta) =>
        chosen.reduce((grown, c) => addCandidate(grown, c.family, c.a, c.b, delta), saddle),
      );
    let chosen: Candidate[];
    if (o.growth === 'paths') {
      // Each search's dominant KKT point, placed alone: those that lower the loss most win. One that lowers it at
      // no δ tried is no escape direction, so it is never added.
      const tried = searches
        .map((s) => best(s.candidates))
        .filter((c) => c !== undefined && relativeValue(c) > o.ncfThreshold)
        .map((c) => ({ c: c!, loss: place([c!]).loss }))
        .filter((x) => x.loss < lossBefore);
      chosen = tried
        .sort((x, y) => x.loss - y.loss)
        .slice(0, o.candidatesPerIteration)
        .map((x) => x.c);
      if (chosen.length === 0)
        return `no candidate neuron or path lowers the loss at iteration ${k}: NP cannot escape this saddle`;
    } else {
      chosen = pickDistinct(candidates, o.candidatesPerIteration, o.ncfThreshold);
    }
    const first = chosen[0];
    if (first === undefined)
      return `no candidate neuron has a positive NCF at iteration ${k}: NP cannot escape this saddle`;
    const layers = chosen.flatMap((c) => Array.from({ length: c.family.neurons }, (_, t) => c.family.layer + t));
    const placed = place(chosen);
    const winner = searches.find((s) => s.candidates.includes(first))!.result;
    const bestOf = (f: CandidateFamily) => Math.max(0, ...candidates.filter((c) => c.family === f).map((c) => c.value));
    return {
      network: placed.grown,
      fields: {
        layers,
        ncfValue: first.value,
        ncfRelative: relativeValue(first),
        kktResidual: winner.kktResidual,
        restartsAtBest: winner.restartsAtBest,
        restartValues: spread(winner.values),
        layerValues: singles.map(bestOf),
        ...(paths.length ? { pathValues: paths.map(bestOf) } : {}),
        delta: placed.delta,
        deltaShrinks: placed.shrinks,
        deltaWarning: !(placed.loss < lossBefore),
        lossBefore,
        lossAfterAdd: placed.loss,
        ...(o.recordWeights ? { kktPoint: [...first.a, ...first.b] } : {}),
      },
    };
  },
};

/** One family's NCF maximized by PGA; every restart's end point is a candidate. */
function familySearch(family: CandidateFamily, k: number, o: ResolvedOptions, rng: Rng): Search {
  const { layer, neurons, ncf } = family;
  const result = pursue(ncf, neurons === 1 ? `pga/${k}/${layer}` : `pga/${k}/${layer}/path${neurons}`, o, rng);
  const candidates: Candidate[] = [];
  for (let r = 0; r < result.values.length; r++) {
    const point = result.points.data.subarray(r * ncf.dim, (r + 1) * ncf.dim);
    const value = family.sphereFactor * result.values[r]!;
    candidates.push({ family, a: point.slice(0, ncf.inDim), b: point.slice(ncf.inDim), value });
  }
  return { result, candidates };
}

/** The joint NCF of all layers' single neurons under one norm; a point goes to the layer with most of its mass. */
function jointSearch(families: CandidateFamily[], k: number, o: ResolvedOptions, rng: Rng): Search {
  const parts = families.map((f) => f.ncf);
  const joint = new JointNcf(parts);
  const result = pursue(joint, `pga/${k}/joint`, o, rng);
  const candidates: Candidate[] = [];
  for (let r = 0; r < result.values.length; r++) {
    const point = result.points.data.subarray(r * joint.dim, (r + 1) * joint.dim);
    const mass = joint.layerMass(point);
    const i = mass.indexOf(Math.max(...mass));
    const part = parts[i]!;
    if (mass[i] === 0) continue;
    const block = joint.block(point, i).map((v) => v / Math.sqrt(mass[i]!));
    const value = new Float64Array(1);
    part.evaluate(matrix(1, block.length, block), value, matrix(1, block.length, new Float64Array(block.length)));
    candidates.push({
      family: families[i]!,
      a: block.slice(0, part.inDim),
      b: block.slice(part.inDim),
      value: value[0]!,
    });
  }
  return { result, candidates };
}

/**
 * The m best candidates that can escape (`relativeValue` above the threshold), skipping near-copies (cosine > 0.999
 * in the same family).
 */
function pickDistinct(candidates: Candidate[], m: number, threshold: number): Candidate[] {
  const sorted = [...candidates].sort((x, y) => y.value - x.value);
  const chosen: Candidate[] = [];
  for (const c of sorted) {
    if (chosen.length === m || !(c.value > 0)) break;
    if (!(relativeValue(c) > threshold)) continue;
    const copy = chosen.some((d) => d.family === c.family && cosine(d, c) > 0.999);
    if (!copy) chosen.push(c);
  }
  return chosen;
}

/** The candidate with the largest NCF (undefined for none). */
function best(candidates: Candidate[]): Candidate | undefined {
  return candidates.reduce<Candidate | undefined>((x, y) => (x === undefined || y.value > x.value ? y : x), undefined);
}

/** The candidate's NCF over the largest value any unit-sphere point of its family reaches (`CandidateNcf.bound`). */
function relativeValue(c: Candidate): number {
  return c.value / (c.family.sphereFactor * c.family.ncf.bound);
}

function cosine(x: Candidate, y: Candidate): number {
  let s = 0,
    nx = 0,
    ny = 0;
  const xs = [...x.a, ...x.b],
    ys = [...y.a, ...y.b];
  for (let i = 0; i < xs.length; i++) {
    s += xs[i]! * ys[i]!;
    nx += xs[i]! * xs[i]!;
    ny += ys[i]! * ys[i]!;
  }
  return s / Math.sqrt(nx * ny);
}
