/**
 * The model format (model.json, and the `model` of a stored run): a network's
 * activation, widths and weights, with the CSV column names it was trained on
 * when it was, and the standardization and intercept column it was trained
 * with when it had them. The one writer and the one reader, checked by a zod
 * schema, and what the preprocessing means (`modelPredict`).
 * Browser-safe: no file access here (src/io/run-folder.ts reads and writes files).
 */
import { z } from 'zod';
import { type Matrix, zeros } from '../linalg/matrix.js';
import { type Activation, makeActivation } from '../model/activation.js';
import { Network } from '../model/network.js';

export const MODEL_FORMAT = 'neuron-pursuit-model';
export const MODEL_FORMAT_VERSION = 1;

const version = MODEL_FORMAT_VERSION;
const sizes = 'widths must be a list of at least 3 positive integers';
const activationFields = 'activation must have a name, p and alpha';
const finite = (what: string) => z.array(z.number({ error: `${what} must be finite numbers` }));

/**
 * x' = (x − featureMean) / featureScale (each when present); `intercept` appends a constant-1 column to x'
 * (the network then takes one input more than there are features); the prediction is
 * H(x') · targetScale + targetMean (each when present).
 */
const preprocessingSchema = z.object(
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
      version: z.literal(MODEL_FORMAT_VERSION, {
        error: (issue) =>
          `format version ${JSON.stringify(issue.input)} is not supported (this build reads version ${version})`,
      }),
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
      preprocessing: preprocessingSchema.optional(),
    },
    { error: 'not a JSON object' },
  )
  .superRefine((model, ctx) => {
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
    const problem = model.preprocessing && preprocessingProblem(model.preprocessing, widths);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem, path: ['preprocessing'] });
      return;
    }
    for (const [field, count] of [
      ['features', widths[0]! - (model.preprocessing?.intercept ? 1 : 0)],
      ['targets', widths.at(-1)!],
    ] as const) {
      const names = model[field];
      if (names && names.length !== count)
        ctx.addIssue({ code: 'custom', message: `${field} must name ${count} columns`, path: [field] });
    }
  });

/** Why a preprocessing does not fit a network of these widths; undefined when it does. */
export function preprocessingProblem(pre: ModelPreprocessing, widths: readonly number[]): string | undefined {
  const featureCount = widths[0]! - (pre.intercept ? 1 : 0);
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

/** The standardization and intercept a network was trained with (see `preprocessingSchema`). */
export type ModelPreprocessing = z.output<typeof preprocessingSchema>;

/** A model file, loaded: the network, and the columns and preprocessing when it has them. */
export interface LoadedModel extends Partial<ModelColumns> {
  network: Network;
  preprocessing?: ModelPreprocessing;
}

/** The column names of a model without saved ones: x1 … xd, and y (one output) or y1 … ym. */
export function defaultColumns(featureCount: number, outputCount: number): ModelColumns {
  const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
  return { features: numbered('x', featureCount), targets: outputCount === 1 ? ['y'] : numbered('y', outputCount) };
}

/** How many feature columns a model reads: the network's inputs, less the intercept column. */
export function featureCount(model: LoadedModel): number {
  return model.network.inputDim - (model.preprocessing?.intercept ? 1 : 0);
}

/**
 * The model's predictions for the rows of X (one column per feature): standardize, append the intercept
 * column, apply the network, then undo the targets' scaling — what the saved preprocessing means.
 */
export function modelPredict(model: LoadedModel, X: Matrix): Matrix {
  const { network, preprocessing: pre } = model;
  const d = featureCount(model);
  if (X.cols !== d) throw new RangeError(`the model takes ${d} feature columns, got ${X.cols}`);
  if (!pre) return network.forward(X);
  const problem = preprocessingProblem(pre, network.widths);
  if (problem) throw new RangeError(problem);
  const inputs = zeros(X.rows, network.inputDim);
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < d; j++) {
      let x = X.data[i * d + j]!;
      if (pre.featureMean) x -= pre.featureMean[j]!;
      if (pre.featureScale) x /= pre.featureScale[j]!;
      inputs.data[i * network.inputDim + j] = x;
    }
    if (pre.intercept) inputs.data[i * network.inputDim + d] = 1;
  }
  const out = network.forward(inputs);
  const m = network.outputDim;
  for (let i = 0; i < out.data.length; i++) {
    let y = out.data[i]!;
    if (pre.targetScale) y *= pre.targetScale[i % m]!;
    if (pre.targetMean) y += pre.targetMean[i % m]!;
    out.data[i] = y;
  }
  return out;
}

/** The saved form of a network (and of the CSV columns it was trained on, when given). */
export function modelToJson(network: Network, columns?: ModelColumns, preprocessing?: ModelPreprocessing): ModelJSON {
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

/** Rebuild a network (and its column names) from its saved form, checking every field. */
export function modelFromJson(value: unknown): LoadedModel {
  const parsed = modelSchema.safeParse(value);
  if (!parsed.success) {
    const { path, message } = parsed.error.issues[0]!;
    const where = path[0] === 'layers' && typeof path[1] === 'number' ? `layer ${path[1] + 1} ` : '';
    throw new Error(`invalid model file: ${where}${message}`);
  }
  const { activation: a, widths, layers, features, targets, preprocessing } = parsed.data;
  let activation: Activation;
  try {
    activation = makeActivation(a.name === 'custom' ? a : { name: a.name, alpha: a.alpha, p: a.p });
  } catch (err) {
    throw new Error(`invalid model file: ${(err as Error).message}`);
  }
  if (activation.p !== a.p || activation.alpha !== a.alpha) {
    throw new Error(`invalid model file: activation ${a.name} does not have p = ${a.p}, alpha = ${a.alpha}`);
  }
  return {
    network: new Network(widths, activation, layers.flat()),
    ...(features ? { features } : {}),
    ...(targets ? { targets } : {}),
    ...(preprocessing ? { preprocessing } : {}),
  };
}
