/**
 * Which kernel backend runs, chosen once at start like tfjs's backends:
 * 'wasm' (WebAssembly SIMD) when the runtime has it, else 'ts' (the plain
 * TypeScript reference). The environment variable NEURON_PURSUIT_KERNELS
 * (wasm or ts) or `setKernelBackend` forces one; an arena keeps the backend
 * it was made with. Both give the same bits (see src/linalg/kernel-arena.ts).
 */
import { IDENTITY, type KernelActivation, type KernelArena } from './kernel-arena.js';
import { TsArena } from './kernels-ts.js';
import { WasmArena, wasmSimdAvailable } from './kernels-wasm.js';

export { wasmSimdAvailable };

export const KERNEL_BACKENDS = ['wasm', 'ts'] as const;
export type KernelBackend = (typeof KERNEL_BACKENDS)[number];

/** The environment variable that forces a backend (read where the runtime has one: Node, not a browser). */
export const KERNEL_BACKEND_VARIABLE = 'NEURON_PURSUIT_KERNELS';

let current: KernelBackend | null = null;

function checked(name: string, where: string): KernelBackend {
  if (!(KERNEL_BACKENDS as readonly string[]).includes(name)) {
    throw new RangeError(`${where}: unknown kernel backend '${name}' (expected ${KERNEL_BACKENDS.join(' or ')})`);
  }
  if (name === 'wasm' && !wasmSimdAvailable()) {
    throw new Error(`${where}: the wasm kernel backend needs WebAssembly SIMD, which this runtime lacks`);
  }
  return name as KernelBackend;
}

/** The backend new arenas get: forced by the environment, else wasm where available, else ts. */
export function kernelBackend(): KernelBackend {
  if (current === null) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    const forced = env?.[KERNEL_BACKEND_VARIABLE];
    current = forced ? checked(forced, KERNEL_BACKEND_VARIABLE) : wasmSimdAvailable() ? 'wasm' : 'ts';
  }
  return current;
}

/** Force the backend of the arenas made from now on. */
export function setKernelBackend(name: KernelBackend): void {
  current = checked(name, 'setKernelBackend');
}

/** An arena of `doubles` float64 values (`KernelArena.sizeFor` counts panels with their padding). */
export function createArena(
  doubles: number,
  activation: KernelActivation = IDENTITY,
  backend: KernelBackend = kernelBackend(),
): KernelArena {
  return backend === 'wasm' ? new WasmArena(doubles, activation) : new TsArena(doubles, activation);
}
