// The clocks unit: virtual or denied wall and monotonic clocks. One unit
// serves both, so that a virtual sleep moves the virtual wall clock too.
import type { ClockPolicy, ClocksPlan } from '../policies/plan.js';
import { ConfigBlob } from '../units/config-blob.js';
import { adapterPath, type AppImport, type UnitImport, type UnitSpec } from '../units/unit.js';
import { formatInterfaceName, parseInterfaceName, type InterfaceName } from '../wit/names.js';
import { READY_ID, READY_VERSION } from '../wit/wasi-wit.js';

/** virt's ready-pollable interface, as units name it. */
export const READY_NAME: InterfaceName = { ...parseInterfaceName(READY_ID)!, version: READY_VERSION };

/** The wall clock's interface. */
export const WALL_CLOCK_ID = 'wasi:clocks/wall-clock';
/** The monotonic clock's interface. */
export const MONOTONIC_CLOCK_ID = 'wasi:clocks/monotonic-clock';
/** The interface of the pollables that monotonic subscriptions return. */
export const POLL_ID = 'wasi:io/poll';

const WALL_EXPORTS: ReadonlyArray<[string, string]> = [['now', 'wall_now'], ['resolution', 'wall_resolution']];
const MONOTONIC_EXPORTS: ReadonlyArray<[string, string]> = [
  ['now', 'monotonic_now'],
  ['resolution', 'monotonic_resolution'],
  ['subscribe-instant', 'monotonic_subscribe_instant'],
  ['subscribe-duration', 'monotonic_subscribe_duration'],
];

function writeClock(blob: ConfigBlob, clock: ClockPolicy): void {
  blob.u32(clock.mode === 'deny' ? 1 : 0);
  blob.u64(clock.mode === 'virtual' ? clock.startNs : 0n).u64(clock.mode === 'virtual' ? clock.stepNs : 0n);
}

/** The config blob; its layout is documented in ./assembly/clocks.ts. */
export function clocksConfig(clocks: ClocksPlan, ioGroup: boolean): Uint8Array {
  const blob = new ConfigBlob();
  writeClock(blob, clocks.wall);
  writeClock(blob, clocks.monotonic);
  return blob.u32(ioGroup ? 1 : 0).finish();
}

/**
 * The unit for the clock interfaces the app imports and the Plan does not
 * leave to the host. `poll` is the app's own `wasi:io/poll` import, whose
 * pollable type the subscriptions return.
 */
export function clocksUnit(
  clocks: ClocksPlan,
  wall: AppImport | undefined,
  monotonic: AppImport | undefined,
  poll: AppImport | undefined,
): UnitSpec {
  // The types the app's import declares: a monotonic clock that nobody subscribes to uses no pollable,
  // and its app may import no wasi:io at all.
  const pick = (app: AppImport, table: ReadonlyArray<[string, string]>) => ({
    name: app.name,
    functions: new Map(table.filter(([fn]) => app.functions.includes(fn))),
    ...(app.types ? { types: new Set(app.types) } : {}),
  });
  const exports = [...(wall ? [pick(wall, WALL_EXPORTS)] : []), ...(monotonic ? [pick(monotonic, MONOTONIC_EXPORTS)] : [])];
  const imports: UnitImport[] = [];
  const subscribes = monotonic?.functions.some((fn) => fn.startsWith('subscribe-')) ?? false;
  // A virtual clock's sleeps are deadlines of virt's io group, which the Plan brings whenever the clock is virtual.
  const sleepsInIoGroup = subscribes && clocks.monotonic.mode === 'virtual';
  if (monotonic && subscribes) {
    if (!poll) throw new Error('assertion failed: an app that subscribes to the monotonic clock imports wasi:io/poll');
    imports.push({ name: poll.name, outer: formatInterfaceName(poll.name), functions: new Set() });
    if (sleepsInIoGroup) {
      imports.push({ name: READY_NAME, outer: formatInterfaceName(READY_NAME), adapterModule: 'virt-ready', functions: new Set(['subscribe-deadline', 'time-floor']) });
    }
  }
  const denied = new Set([
    ...(clocks.wall.mode === 'deny' ? ['wall-clock'] : []),
    ...(clocks.monotonic.mode === 'deny' ? ['monotonic-clock'] : []),
  ]);
  return { name: 'clocks', adapter: adapterPath('clocks'), config: clocksConfig(clocks, sleepsInIoGroup), exports, imports, denied };
}
