// Every capability's virtualizer, in the order units are built: the io group
// first, so that the units after it take its io types.
import { http, nullHttpTypes, sockets } from './null-sockets/virtualizers.js';
import type { Plan } from './policies/plan.js';
import type { Virtualizer } from './units/virtualizer.js';
import { clocks, environment, exit, random, terminal } from './virtual-env/virtualizers.js';
import { ioGroup, nullFilesystem } from './virtual-fs/virtualizer.js';

/** Every virtualizer; where two could serve an interface, the first that the Plan enables does. */
export const VIRTUALIZERS: readonly Virtualizer[] = [ioGroup, nullFilesystem, environment, clocks, random, exit, terminal, sockets, nullHttpTypes, http];

/** The virtualizer that owns an interface id, whatever the Plan says. */
export function virtualizerOf(id: string): Virtualizer | undefined {
  return VIRTUALIZERS.find((v) => v.ids.includes(id) && v !== ioGroup) ?? (ioGroup.ids.includes(id) ? ioGroup : undefined);
}

/** The virtualizer that serves an interface id under `plan`, if any does. */
export function virtualizerFor(plan: Plan, id: string): Virtualizer | undefined {
  return VIRTUALIZERS.find((v) => v.ids.includes(id) && v.virtualizes(plan, id));
}
