/** neuron-pursuit: the library. Nothing here touches the file system or the terminal. */
export { Rng } from './linalg/rng.js';
export * from './linalg/matrix.js';
export { KernelArena, type KernelActivation } from './linalg/kernel-arena.js';
export {
  KERNEL_BACKENDS,
  createArena,
  kernelBackend,
  setKernelBackend,
  wasmSimdAvailable,
  type KernelBackend,
} from './linalg/kernels.js';
export { allocatePanels, type PanelLayout, type Panels } from './linalg/panel-layout.js';
export * from './model/activation.js';
export { Network, type BackpropagatedResidual, type BoundBatch } from './model/network.js';
export {
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  modelFromJson,
  modelSchema,
  modelToJson,
  modelPredict,
  defaultColumns,
  featureCount,
  preprocessingProblem,
  type LoadedModel,
  type ModelColumns,
  type ModelJSON,
  type ModelParts,
  type ModelPreprocessing,
} from './io/model-format.js';
export {
  columnStatistics,
  rawFeatureCount,
  fitPreprocessing,
  offsetTargets,
  predictRaw,
  preprocessingOptions,
  restoreTargets,
  transformInputs,
  transformTargets,
  type Preprocessing,
} from './model/preprocessing.js';
export {
  networkToOnnx,
  ONNX_INPUT,
  ONNX_IR_VERSION,
  ONNX_LAYOUTS,
  ONNX_OPSET,
  ONNX_OUTPUT,
  type OnnxDtype,
  type OnnxExportOptions,
  type OnnxLayout,
} from './export/onnx.js';
export { relativeError, classificationError } from './model/metrics.js';
export type { NcfObjective } from './ncf/objective.js';
export { CandidateNcf } from './ncf/candidate.js';
export { OriginNcf } from './ncf/origin.js';
export { JointNcf } from './ncf/joint.js';
export { projectedGradientAscent, kktResidual, type PgaOptions, type PgaResult } from './ncf/pga.js';
export {
  gradientDescent,
  gradientDescentChecks,
  gdStopLabel,
  GD_DEFAULTS,
  type GdOptions,
  type GdResult,
  type GdCheck,
  type GdStopReason,
} from './optim/gradient-descent.js';
export {
  DataError,
  asMatrices,
  checkFitData,
  parseOptions,
  prepareData,
  type PreparedData,
  type TargetsLike,
  type Estimator,
  type Fitted,
  type FitExtras,
  type FitSummary,
  type FittedJSON,
} from './estimators/estimator.js';
export {
  ALGORITHMS,
  NETWORK_ALGORITHMS,
  networkAlgorithm,
  type FittedNetwork,
  type NetworkAlgorithm,
  type NetworkAlgorithmName,
  type RunOptions,
} from './estimators/registry.js';
export {
  NeuronPursuit,
  FittedNeuronPursuit,
  PursuitRun,
  type NeuronPursuitSummary,
  type PursuitFitExtras,
  type PursuitState,
} from './pursuit/neuron-pursuit.js';
export {
  resolveOptions,
  neuronPursuitOptionsSchema,
  type NeuronPursuitOptions,
  type ResolvedOptions,
} from './pursuit/options.js';
export type { IterationRecord, PursuitEvent, StopReason } from './pursuit/history.js';
export { GROWTH_RULES, type GrowthRuleName, growthRule } from './pursuit/growth-rules.js';
export type { Growth, GrowthContext, GrowthRule } from './pursuit/growth-rule.js';
export { gradMaxDirections } from './pursuit/rules/gradmax.js';
export { tinyDirections } from './pursuit/rules/tiny.js';
export { randomDirection } from './pursuit/rules/random.js';
export { tableTask } from './tasks/csv-task.js';
export {
  TASKS,
  TASK_NAMES,
  getTask,
  taskData,
  cubeVertices,
  planeGrid,
  demoTarget,
  modularAddition,
  pointerValueRetrieval,
  pvrLabel,
  type Task,
  type Dataset,
} from './tasks/tasks.js';
export { TEACHERS } from './tasks/teachers.js';
export {
  SmallInitGd,
  FittedSmallInitGd,
  smallInitGd,
  smallInitRadius,
  smallInitGdOptionsSchema,
  SMALL_INIT_GD_DEFAULTS,
  type SmallInitGdOptions,
  type SmallInitGdResult,
  type SmallInitGdSummary,
} from './baselines/small-init-gd.js';
export { OrthogonalMatchingPursuit, orthogonalMatchingPursuit } from './baselines/omp.js';
export type { SparseSolution } from './baselines/sparse-fit.js';
export {
  DiagonalNeuronPursuit,
  DiagonalSmallInitGd,
  diagonalNeuronPursuit,
  diagonalSmallInitGd,
  sparseInstance,
} from './baselines/diagonal.js';
export { FittedSparseLinear } from './baselines/sparse-fit.js';
export { networkShapeOptions } from './model/network-options.js';
