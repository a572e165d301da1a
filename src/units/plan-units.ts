// Which units a build needs: each of the app's imports, by its full name
// (version included), is served by a unit, passed to the host where the Plan
// grants its capability, or refused. Nothing of a capability the Plan denies or
// virtualizes reaches the host unserved, whatever its version.
import type { ImportEntry } from '../binary/component-reader.js';
import { hostRefusal } from '../policies/capabilities.js';
import type { Plan } from '../policies/plan.js';
import { streamsOrFilesNeedIo } from '../policies/resolve-plan.js';
import { compareVersions, formatInterfaceName, interfaceId, isWasi02, parseInterfaceName } from '../wit/names.js';
import type { AppImport } from './unit.js';
import type { Virtualizer } from './virtualizer.js';

/** One unit to build. */
export interface PlannedUnit {
  readonly virtualizer: Virtualizer;
  /** The app's imports that this unit serves. */
  readonly imports: readonly AppImport[];
  /** The app's WASI 0.2 imports by unversioned id, each at the version this unit works with. */
  readonly all: ReadonlyMap<string, AppImport>;
}

/** An app import that the build may neither serve nor pass to the host, and why. */
export interface Refusal {
  readonly interface: string;
  readonly reason: string;
}

/** The units of a build, and what it must refuse. */
export interface UnitsPlan {
  readonly units: readonly PlannedUnit[];
  readonly refusals: readonly Refusal[];
}

// The app's WASI 0.2.x imports, in the app's order: what virt may virtualize.
function wasiImports(imports: readonly ImportEntry[]): AppImport[] {
  return imports.flatMap((entry) => {
    const name = parseInterfaceName(entry.name);
    return name && isWasi02(name) ? [{ name, functions: entry.functions, types: [...entry.types.keys()] }] : [];
  });
}

/**
 * The app's imports as views of one version each. An app that imports every
 * interface at one version has one view. One that imports an interface at two
 * versions gets a view per version of it: each view holds that version, and
 * of every other interface the version nearest below it (or the lowest).
 */
function versionViews(imports: readonly AppImport[]): Map<string, AppImport>[] {
  const byId = new Map<string, AppImport[]>();
  for (const app of imports) byId.set(interfaceId(app.name), [...(byId.get(interfaceId(app.name)) ?? []), app]);
  for (const versions of byId.values()) versions.sort((a, b) => compareVersions(a.name.version!, b.name.version!));
  const pivots = [...byId.values()].filter((v) => v.length > 1).flat().sort((a, b) => compareVersions(a.name.version!, b.name.version!));
  if (pivots.length === 0) return [new Map([...byId].map(([id, [only]]) => [id, only]))];
  return pivots.map((pivot) => new Map([...byId].map(([id, versions]) => {
    const below = versions.filter((v) => compareVersions(v.name.version!, pivot.name.version!) <= 0);
    return [id, below.at(-1) ?? versions[0]];
  })));
}

/**
 * The Plan for this app. A virtual monotonic clock brings virt's io group, whose poll holds the virtual deadlines
 * (the host's never sees them); an app that never sleeps on it needs no io group for that. `ioAsked`: the build
 * asked for the io group itself.
 */
export function planForApp(plan: Plan, imports: readonly ImportEntry[], ioAsked = false): Plan {
  if (plan.io !== 'virt' || ioAsked || streamsOrFilesNeedIo(plan.stdio, plan.filesystem)) return plan;
  const sleeps = imports.some((entry) => {
    const name = parseInterfaceName(entry.name);
    return name && interfaceId(name) === 'wasi:clocks/monotonic-clock' && entry.functions.some((fn) => fn.startsWith('subscribe-'));
  });
  return sleeps ? plan : { ...plan, io: 'host' };
}

/**
 * Plans the units for the app's imports. Units come in the order of
 * `virtualizers` (where two could serve an interface, the first that the Plan
 * enables does); a virtualizer gets one unit per version view that adds imports.
 */
export function planUnits(plan: Plan, imports: readonly ImportEntry[], virtualizers: readonly Virtualizer[]): UnitsPlan {
  const views = versionViews(wasiImports(imports));
  const units: PlannedUnit[] = [];
  const refusals: Refusal[] = [];
  const served = new Set<string>();
  const servedBy = (id: string): Virtualizer | undefined => virtualizers.find((v) => v.ids.includes(id) && v.virtualizes(plan, id));
  for (const virtualizer of virtualizers) {
    const mine = views.map((all) => [...all.values()].filter((app) => servedBy(interfaceId(app.name)) === virtualizer));
    // The io group owns the resource types of wasi:io: it serves one version of each interface.
    const twins = virtualizer.ownsIoTypes ? versionTwins(mine.flat()) : [];
    if (twins.length) {
      for (const [name, others] of twins) {
        refusals.push({ interface: name, reason: `the app also imports ${others.map((o) => `\`${o}\``).join(', ')}, and virt's io group serves one version of each interface it owns` });
      }
      continue;
    }
    views.forEach((all, i) => {
      const fresh = mine[i].filter((app) => !served.has(formatInterfaceName(app.name)));
      for (const app of fresh) served.add(formatInterfaceName(app.name));
      if (fresh.length) units.push({ virtualizer, imports: fresh, all });
    });
  }
  for (const entry of imports) {
    const name = parseInterfaceName(entry.name);
    if (!name || served.has(entry.name) || refusals.some((r) => r.interface === entry.name)) continue;
    const reason = hostRefusal(plan, name);
    if (reason) refusals.push({ interface: entry.name, reason });
  }
  return { units, refusals };
}

// Each full name whose interface the app also imports at other versions, with those.
function versionTwins(imports: readonly AppImport[]): Array<[string, string[]]> {
  const byId = new Map<string, Set<string>>();
  for (const app of imports) byId.set(interfaceId(app.name), (byId.get(interfaceId(app.name)) ?? new Set()).add(formatInterfaceName(app.name)));
  return [...byId.values()].filter((names) => names.size > 1)
    .flatMap((names) => [...names].map((name): [string, string[]] => [name, [...names].filter((other) => other !== name)]));
}

/** The refusals as one message. */
export function formatRefusals(refusals: readonly Refusal[]): string {
  return refusals.map((r) => `\`${r.interface}\`: ${r.reason}`).join('; ');
}
