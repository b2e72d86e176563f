/**
 * The model format (model.json, and the `model` of a stored run): a network's
 * activation, widths and weights, with the CSV column names it was trained on
 * when it was, and the preprocessing its predictions go through
 * (src/model/preprocessing.ts). The one writer and the one reader, checked by
 * a zod schema. Browser-safe: no file access here (src/io/run-folder.ts reads
 * and writes files).
 *
 * Versions: 1 has no preprocessing; 2 adds the optional `preprocessing` field. A
 * reader of version 1 would ignore that field and predict wrongly, hence the new
 * version; this build writes 2 and reads both.
 */
import { z } from 'zod';
import type { Matrix, MatrixLike } from '../linalg/matrix.js';
import { type Activation, makeActivation } from '../model/activation.js';
import { Network } from '../model/network.js';
import { type Preprocessing, predictRaw, rawFeatureCount } from '../model/preprocessing.js';

export const MODEL_FORMAT = 'neuron-pursuit-model';
export const MODEL_FORMAT_VERSION = 2;
/** The versions this build reads. */
const READABLE_VERSIONS = [1, 2] as const;

const sizes = 'widths must be a list of at least 3 positive integers';
const activationFields = 'activation must have a name, p and alpha';
const finite = (what: string) => z.array(z.number({ error: `${what} must be finite numbers` }));

/** `Preprocessing` as saved (the type annotation keeps the two alike). */
const preprocessingSchema: z.ZodType<Preprocessing, unknown> = z.object(
  {
    intercept: z.boolean({ error: 'preprocessing.intercept must be true or false' }),
    featureMean: finite('preprocessing.featureMean').optional(),
    featureScale: finite('preprocessing.featureScale').optional(),
    targetMean: finite('preprocessing.targetMean').optional(),
    targetScale: finite('preprocessing.targetScale').optional(),
  },
  { error: 'preprocessing must be an object' },
);

export const modelSchema = z
  .object(
    {
      format: z.literal(MODEL_FORMAT, {
        error: (issue) => `format is ${JSON.stringify(issue.input)}, expected "${MODEL_FORMAT}"`,
      }),
      version: z.union(
        READABLE_VERSIONS.map((v) => z.literal(v)),
        {
          error: (issue) =>
            `format version ${JSON.stringify(issue.input)} is not supported ` +
            `(this build reads versions ${READABLE_VERSIONS.join(' and ')})`,
        },
      ),
      activation: z.object(
        {
          name: z.string({ error: activationFields }),
          p: z.number({ error: activationFields }),
          alpha: z.number({ error: activationFields }),
        },
        { error: activationFields },
      ),
      /** [d, k_1, …, k_{L−1}, m] */
      widths: z
        .array(z.number({ error: sizes }).int({ error: sizes }).positive({ error: sizes }), { error: sizes })
        .min(3, { error: sizes }),
      /** Layer l (1-based) at index l − 1, row-major k_l × k_{l−1}. */
      layers: z.array(z.array(z.number({ error: 'holds a non-finite weight' }))),
      /** The CSV columns of the inputs, in order, and of the outputs (models trained on CSV data). */
      features: z.array(z.string()).optional(),
      targets: z.array(z.string()).optional(),
      /** What raw inputs go through before the network, and its outputs after it (version 2). */
      preprocessing: preprocessingSchema.optional(),
    },
    { error: 'not a JSON object' },
  )
  .superRefine((model, ctx) => {
    const issue = (message: string, field: string) => ctx.addIssue({ code: 'custom', message, path: [field] });
    const { widths, layers } = model;
    if (layers.length !== widths.length - 1) {
      ctx.addIssue({ code: 'custom', message: `expected ${widths.length - 1} layers`, path: ['layers'] });
      return;
    }
    layers.forEach((layer, i) => {
      const expected = widths[i + 1]! * widths[i]!;
      if (layer.length !== expected)
        ctx.addIssue({ code: 'custom', message: `layer ${i + 1} must hold ${expected} weights`, path: ['layers'] });
    });
    const p = model.preprocessing;
    if (p && model.version < 2) issue('preprocessing needs format version 2', 'preprocessing');
    const problem = p && preprocessingProblem(p, widths);
    if (problem) {
      issue(problem, 'preprocessing');
      return;
    }
    for (const [field, count] of [
      ['features', rawFeatureCount(widths[0]!, p)],
      ['targets', widths.at(-1)!],
    ] as const) {
      const names = model[field];
      if (names && names.length !== count) issue(`${field} must name ${count} columns`, field);
      const twice = names && repeated(names);
      if (twice !== undefined)
        issue(`${field} must name distinct columns (${JSON.stringify(twice)} is there twice)`, field);
    }
  });

/** The first name of a list that an earlier one repeats. */
function repeated(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/** Why a preprocessing does not fit a network of these widths; undefined when it does. */
export function preprocessingProblem(pre: Preprocessing, widths: readonly number[]): string | undefined {
  const featureCount = rawFeatureCount(widths[0]!, pre);
  if (featureCount < 1) return 'an intercept needs a network of at least 2 inputs';
  const outputCount = widths.at(-1)!;
  for (const [field, count] of [
    ['featureMean', featureCount],
    ['featureScale', featureCount],
    ['targetMean', outputCount],
    ['targetScale', outputCount],
  ] as const) {
    const values = pre[field];
    if (values && values.length !== count) return `preprocessing.${field} must hold ${count} numbers`;
  }
  if (pre.featureScale?.includes(0)) return 'preprocessing.featureScale must not hold a 0';
  return undefined;
}

/** A model as saved. */
export type ModelJSON = z.output<typeof modelSchema>;

/** The CSV column names of a model's inputs and outputs. */
export interface ModelColumns {
  features: string[];
  targets: string[];
}

/** The standardization and intercept a network was trained with (src/model/preprocessing.ts). */
export type ModelPreprocessing = Preprocessing;

/** A model's parts: the network, and the columns and preprocessing when it has them. */
export interface ModelParts extends Partial<ModelColumns> {
  network: Network;
  preprocessing?: Preprocessing;
}

/** A model read back: its parts, and `predict` for raw features. */
export interface LoadedModel extends ModelParts {
  /** Predictions for raw features (in the order of `features`): preprocessing, the network, the targets restored. */
  predict(X: MatrixLike): Matrix;
}

/** The column names of a model without saved ones: x1 … xd, and y (one output) or y1 … ym. */
export function defaultColumns(featureCount: number, outputCount: number): ModelColumns {
  const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  return { features: numbered('x', featureCount), targets: outputCount === 1 ? ['y'] : numbered('y', outputCount) };
}

/** How many feature columns a model reads: the network's inputs, less the intercept column. */
export function featureCount(model: ModelParts): number {
  return rawFeatureCount(model.network.inputDim, model.preprocessing);
}

/**
 * The model's predictions for the rows of X (one column per feature): standardize, append the intercept
 * column, apply the network, then undo the targets' scaling — what the saved preprocessing means.
 */
export function modelPredict(model: ModelParts, X: MatrixLike): Matrix {
  const { network, preprocessing: pre } = model;
  const problem = pre && preprocessingProblem(pre, network.widths);
  if (problem) throw new RangeError(problem);
  return predictRaw((x) => network.forward(x), network.inputDim, pre, X);
}

/** The saved form of a network, with the CSV columns it was trained on and its preprocessing, when given. */
export function modelToJson(network: Network, columns?: ModelColumns, preprocessing?: Preprocessing): ModelJSON {
  const layers: number[][] = [];
  for (let l = 1; l <= network.depth; l++) layers.push(Array.from(network.layer(l).data));
  const { name, p, alpha } = network.activation;
  return {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    activation: { name, p, alpha },
    widths: [...network.widths],
    layers,
    ...(columns ? { features: columns.features, targets: columns.targets } : {}),
    ...(preprocessing ? { preprocessing } : {}),
  };
}

/**
 * Rebuild a model from its saved form, checking every field. A problem is one line, `invalid model file[ SOURCE]:`
 * and what is wrong, naming the field.
 */
export function modelFromJson(value: unknown, source?: string): LoadedModel {
  const invalid = (what: string) => new Error(`invalid model file${source ? ` ${source}` : ''}: ${what}`);
  const parsed = modelSchema.safeParse(value);
  if (!parsed.success) {
    const { path, message } = parsed.error.issues[0]!;
    throw invalid(`${fieldOf(path, message)}${message}`);
  }
  const { activation: a, widths, layers, features, targets, preprocessing } = parsed.data;
  let activation: Activation;
  try {
    activation = makeActivation(a.name === 'custom' ? a : { name: a.name, alpha: a.alpha, p: a.p });
  } catch (err) {
    const message = (err as Error).message;
    throw invalid(message.startsWith('activation') ? message : `field 'activation': ${message}`);
  }
  if (activation.p !== a.p || activation.alpha !== a.alpha) {
    throw invalid(`activation ${a.name} does not have p = ${a.p}, alpha = ${a.alpha}`);
  }
  const parts: ModelParts = {
    network: new Network(widths, activation, layers.flat()),
    ...(features ? { features } : {}),
    ...(targets ? { targets } : {}),
    ...(preprocessing ? { preprocessing } : {}),
  };
  return { ...parts, predict: (X) => modelPredict(parts, X) };
}

/** Where a schema problem lies, unless its message says so ('widths must …'): `layer 3 `, `field 'x.y': `. */
function fieldOf(path: readonly PropertyKey[], message: string): string {
  if (path.length === 0) return '';
  if (path.length === 3 && path[0] === 'layers' && typeof path[1] === 'number') return `layer ${path[1] + 1} `;
  const first = String(path[0]);
  if (message.startsWith(`${first} `) || message.startsWith(`${first}.`)) return '';
  if (first === 'layers' && path.length === 1 && message.startsWith('layer ')) return '';
  return `field '${path.map(String).join('.')}': `;
}
