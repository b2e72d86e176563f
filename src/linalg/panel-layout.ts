/**
 * A declarative panel layout: every owner of a kernel arena (the network's
 * batch, the candidate and origin NCFs) names its panels and their lengths
 * once, and gets the arena sized for exactly those panels and the panels
 * themselves. A list of lengths gives a list of panels (one per layer, say).
 */
import { IDENTITY, type KernelActivation, KernelArena } from './kernel-arena.js';
import { createArena } from './kernels.js';

/** Panel lengths in doubles, by name: one length, or a list for a list of panels. */
export type PanelLayout = Record<string, number | readonly number[]>;

/** The panels of a layout, by the same names. */
export type Panels<T extends PanelLayout> = { [K in keyof T]: T[K] extends number ? Float64Array : Float64Array[] };

/** An arena holding exactly the panels of `layout`, and those panels (zeroed, in layout order). */
export function allocatePanels<T extends PanelLayout>(
  layout: T,
  activation: KernelActivation = IDENTITY,
): { arena: KernelArena; panels: Panels<T> } {
  const lengths = Object.values(layout).flatMap((length) => (typeof length === 'number' ? [length] : [...length]));
  const arena = createArena(KernelArena.sizeFor(lengths), activation);
  const panels: Record<string, Float64Array | Float64Array[]> = {};
  for (const [name, length] of Object.entries(layout)) {
    panels[name] = typeof length === 'number' ? arena.alloc(length) : length.map((l) => arena.alloc(l));
  }
  return { arena, panels: panels as Panels<T> };
}
