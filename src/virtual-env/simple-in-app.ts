// Clocks, exit and denied randomness served inside the app (units/in-app-unit.ts).
// A virtual clock is a global that each reading moves on by its step, as in
// the clocks unit (./assembly/clocks.ts); a denied function traps, under the
// name the unit's trap has. A clock that the app sleeps on stays with the
// unit: its sleeps are deadlines of virt's io group.
import type { ClockPolicy, ClocksPlan } from '../policies/plan.js';
import type { InAppPart } from '../units/in-app-unit.js';
import type { AppImport } from '../units/unit.js';
import { interfaceId } from '../wit/names.js';
import { MONOTONIC_CLOCK_ID, WALL_CLOCK_ID } from './clocks-unit.js';

const NS_PER_SECOND = 1_000_000_000n;

function denied(what: string): { name: string; instructions: string[] } {
  return { name: `${what}-denied-by-manifest`, instructions: ['unreachable'] };
}

// A clock's global: the next reading.
function clockGlobal(id: string, clock: ClockPolicy): string[] {
  return clock.mode === 'virtual' ? [`(global $${id} (mut i64) (i64.const ${clock.startNs}))`] : [];
}

// Pushes the clock's reading and moves it on by its step.
function reading(id: string, stepNs: bigint): string[] {
  return [`global.get $${id}`, `global.get $${id}`, `i64.const ${stepNs}`, 'i64.add', `global.set $${id}`];
}

// Stores the nanoseconds on the stack as a datetime (seconds u64 @0, nanoseconds u32 @8) at local `retptr`; `ns` is a scratch local.
function storeDatetime(retptr: number, ns: number): string[] {
  return [
    `local.set ${ns}`,
    `local.get ${retptr}`, `local.get ${ns}`, `i64.const ${NS_PER_SECOND}`, 'i64.div_u', 'i64.store',
    `local.get ${retptr}`, `local.get ${ns}`, `i64.const ${NS_PER_SECOND}`, 'i64.rem_u', 'i32.wrap_i64', 'i32.store offset=8',
  ];
}

/** The clocks inside the app, unless the app sleeps on the monotonic clock. */
export function clocksInApp(clocks: ClocksPlan, imports: readonly AppImport[]): InAppPart | undefined {
  if (imports.some((app) => app.functions.some((fn) => fn.startsWith('subscribe-')))) return undefined;
  const ids = { [WALL_CLOCK_ID]: 'wall', [MONOTONIC_CLOCK_ID]: 'monotonic' } as Record<string, 'wall' | 'monotonic'>;
  return {
    imports,
    fields: [...clockGlobal('wall', clocks.wall), ...clockGlobal('monotonic', clocks.monotonic)],
    body(app, func) {
      const id = ids[interfaceId(app.name)];
      const clock = clocks[id];
      if (clock.mode !== 'virtual') return denied(`${id === 'wall' ? 'wall' : 'monotonic'}-clock`);
      const resolution = clock.stepNs === 0n ? 1n : clock.stepNs;
      if (id === 'monotonic') return { instructions: func === 'now' ? reading(id, clock.stepNs) : [`i64.const ${resolution}`] };
      return { locals: ['i64'], instructions: [...(func === 'now' ? reading(id, clock.stepNs) : [`i64.const ${resolution}`]), ...storeDatetime(0, 1)] };
    },
  };
}

/** `exit: deny` inside the app. */
export function exitInApp(imports: readonly AppImport[]): InAppPart {
  return { imports, body: () => denied('exit') };
}

/** `random: deny` inside the app; seeded randomness stays with the unit. */
export function randomInApp(mode: string, imports: readonly AppImport[]): InAppPart | undefined {
  return mode === 'deny' ? { imports, body: () => denied('random') } : undefined;
}
