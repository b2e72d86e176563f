/**
 * Which kernel backend runs, chosen once at start like tfjs's backends:
 * 'native' (the optional AVX2 addon, src/native/kernels-native.ts) when a
 * Node-side module has registered it, else 'wasm' (WebAssembly SIMD) when the
 * runtime has it, else 'ts' (the plain TypeScript reference). The environment
 * variable NEURON_PURSUIT_KERNELS (native, wasm or ts) or `setKernelBackend`
 * forces one; an arena keeps the backend it was made with. All give the same
 * bits (see src/linalg/kernel-arena.ts). The core never imports the native
 * backend (it runs in a browser): the addon registers itself here.
 */
import { IDENTITY, type KernelActivation, type KernelArena } from './kernel-arena.js';
import { TsArena } from './kernels-ts.js';
import { WasmArena, wasmSimdAvailable } from './kernels-wasm.js';

export { wasmSimdAvailable };

export const KERNEL_BACKENDS = ['native', 'wasm', 'ts'] as const;
export type KernelBackend = (typeof KERNEL_BACKENDS)[number];

/** The environment variable that forces a backend (read where the runtime has one: Node, not a browser). */
export const KERNEL_BACKEND_VARIABLE = 'NEURON_PURSUIT_KERNELS';

/** A backend that lives outside the core: the native addon's arenas. */
export interface NativeKernels {
  /** An arena, or null for an activation these kernels do not run (then the next backend makes it). */
  create(doubles: number, activation: KernelActivation): KernelArena | null;
}

let native: NativeKernels | null = null;
/** Forced by `setKernelBackend` or the environment; null: the best one available. */
let forced: KernelBackend | null | undefined;

/** Makes the native backend available (src/native/kernels-native.ts calls it once loaded); null removes it. */
export function registerNativeKernels(kernels: NativeKernels | null): void {
  native = kernels;
}

/** True when the native backend has been registered. */
export function nativeKernelsAvailable(): boolean {
  return native !== null;
}

function checked(name: string, where: string): KernelBackend {
  if (!(KERNEL_BACKENDS as readonly string[]).includes(name)) {
    throw new RangeError(`${where}: unknown kernel backend '${name}' (expected ${KERNEL_BACKENDS.join(', ')})`);
  }
  if (name === 'wasm' && !wasmSimdAvailable()) {
    throw new Error(`${where}: the wasm kernel backend needs WebAssembly SIMD, which this runtime lacks`);
  }
  if (name === 'native' && !native) {
    throw new Error(
      `${where}: the native kernel backend is not loaded (it needs Node, AVX2 and the addon npm ci builds)`,
    );
  }
  return name as KernelBackend;
}

/** The backend new arenas get: forced by the environment, else native, wasm or ts, the first available. */
export function kernelBackend(): KernelBackend {
  if (forced === undefined) {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    const name = env?.[KERNEL_BACKEND_VARIABLE];
    forced = name ? checked(name, KERNEL_BACKEND_VARIABLE) : null;
  }
  return forced ?? (native ? 'native' : wasmSimdAvailable() ? 'wasm' : 'ts');
}

/** Force the backend of the arenas made from now on. */
export function setKernelBackend(name: KernelBackend): void {
  forced = checked(name, 'setKernelBackend');
}

/** An arena of `doubles` float64 values (`KernelArena.sizeFor` counts panels with their padding). */
export function createArena(
  doubles: number,
  activation: KernelActivation = IDENTITY,
  backend: KernelBackend = kernelBackend(),
): KernelArena {
  if (backend === 'native') {
    const arena = checked(backend, 'createArena') && native?.create(doubles, activation);
    if (arena) return arena;
    backend = wasmSimdAvailable() ? 'wasm' : 'ts';
  }
  return backend === 'wasm' ? new WasmArena(doubles, activation) : new TsArena(doubles, activation);
}
