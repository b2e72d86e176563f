/** Piscina worker: runs one grid point and hands the result back to the main thread, which writes the store. */
import type { GridPoint, PointResult } from '../io/run-record.js';
import { taskByName } from './data-tasks.js';
import { runPoint } from './run-point.js';
// The native kernels, one thread per fit (the sweep runs one fit per core).
import '../native/kernels-native.js';

export default function run(point: GridPoint): PointResult {
  return runPoint(point, taskByName);
}
