/** Piscina worker: runs one grid point and hands the result back to the main thread, which writes the store. */
import { runPoint, type GridPoint, type PointResult } from './run-point.js';

export default function run(point: GridPoint): PointResult {
  return runPoint(point);
}
