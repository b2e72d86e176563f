/** neuron-pursuit: the library. Nothing here touches the file system or the terminal. */
export { Rng } from './linalg/rng.js';
export * from './linalg/matrix.js';
export { KernelArena, type KernelActivation } from './linalg/kernels.js';
export * from './model/activation.js';
export { Network, MODEL_FORMAT, MODEL_FORMAT_VERSION, type NetworkJSON, type BackpropagatedResidual, type BoundBatch } from './model/network.js';
export { relativeError, classificationError } from './model/metrics.js';
export type { NcfObjective } from './ncf/objective.js';
export { CandidateNcf } from './ncf/candidate.js';
export { OriginNcf } from './ncf/origin.js';
export { JointNcf } from './ncf/joint.js';
export { projectedGradientAscent, kktResidual, type PgaOptions, type PgaResult } from './ncf/pga.js';
export { gradientDescent, GD_DEFAULTS, type GdOptions, type GdResult, type GdCheck, type GdStopReason } from './optim/gradient-descent.js';
export { NeuronPursuit, FittedNeuronPursuit, DataError, type FitExtras } from './pursuit/neuron-pursuit.js';
export { resolveOptions, neuronPursuitOptionsSchema, type NeuronPursuitOptions, type ResolvedOptions } from './pursuit/options.js';
export type { IterationRecord, PursuitEvent, StopReason } from './pursuit/history.js';
export { TASKS, TASK_NAMES, getTask, demoTarget, modularAddition, pointerValueRetrieval, pvrLabel, type Task, type Dataset } from './tasks/tasks.js';
export { TEACHERS } from './tasks/teachers.js';
export { smallInitGd, smallInitRadius, SMALL_INIT_GD_DEFAULTS, type SmallInitGdOptions, type SmallInitGdResult } from './baselines/small-init-gd.js';
