// Turns a compiled adapter plus its config into a virt unit component:
// Wizer snapshot, canonical names for the app's WASI version, then jco's
// componentEmbed + componentNew against a generated world.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { trimUnitComponent } from '../binary/unit-component.js';
import { componentEmbed, componentNew } from '../jco/jco.js';
import { coreExportName, coreImportModule, formatInterfaceName, type InterfaceName } from '../wit/names.js';
import { UNIT_WORLD, worldSource, type WasiWit } from '../wit/wasi-wit.js';
import { segmentPlaceholder, setAsideLargeSegments, type SegmentFill } from '../binary/data-segments.js';
import { editCoreModule } from './core-module-edit.js';
import { CONFIG_MODULE, wizer } from './wizer.js';

/** An interface the app imports, at its version, with the functions it calls. */
export interface AppImport {
  readonly name: InterfaceName;
  readonly functions: readonly string[];
  /** The types (records, resources, ...) the app's import declares; absent where unknown. */
  readonly types?: readonly string[];
}

/**
 * More declarations for an imported instance type, so that the outer import
 * also asks the host for functions a unit calls and the app does not: given
 * the instance type's own type space, returns encoded `instancedecl`s.
 */
export type Widening = (instance: {
  readonly localCount: number;
  readonly localIndex: ReadonlyMap<string, number>;
  readonly functions: readonly string[];
}) => Uint8Array[];

/** One interface a unit exports, at the app's version, with the functions the app imports. */
export interface UnitExport {
  readonly name: InterfaceName;
  /** WIT function name → the adapter's core export name; only these are exported. */
  readonly functions: ReadonlyMap<string, string>;
  /** When set, the types to define: those the app's import declares (and what its functions need). */
  readonly types?: ReadonlySet<string>;
}

/** One interface a unit imports. */
export interface UnitImport {
  /** The name under which the unit imports it: `host:cli/environment@0.2.3`, or `wasi:io/poll@0.2.3` for shared types. */
  readonly name: InterfaceName;
  /** The outer import that satisfies it: the app's own import of that interface. */
  readonly outer: string;
  /** The adapter's placeholder import module for its functions; absent when the unit needs only its types. */
  readonly adapterModule?: string;
  /** WIT functions the unit may call; the adapter's other imports of this module become traps. */
  readonly functions: ReadonlySet<string>;
  /** When set, the types to declare: a host copy must ask for no resource the app's import lacks. */
  readonly types?: ReadonlySet<string>;
  /** A host copy whose `use` of its own package's interfaces means the app's (`wasi:`) ones: types shared with the app. */
  readonly sharedLocalUses?: boolean;
  /** A host copy whose `use` of other packages means their host copies: every type in it is the host's. */
  readonly hostUses?: boolean;
}

/** What it takes to build one unit. */
export interface UnitSpec {
  /** A short name for messages: `environment`. */
  readonly name: string;
  /** The compiled adapter, under adapters/build/. */
  readonly adapter: string;
  readonly config: Uint8Array;
  readonly exports: readonly UnitExport[];
  readonly imports: readonly UnitImport[];
  /** Adapter imports from `virt-deny` that the Plan denies: each traps, under a name that says so. */
  readonly denied?: ReadonlySet<string>;
  /**
   * Bytes kept in a passive data segment, out of linear memory until asked
   * for: the adapter's import `virt-data.copy(dst, offset, len)` becomes a
   * `memory.init` from them. Given in pieces (the embedded files), joined only
   * in the build's output.
   */
  readonly passiveData?: readonly Uint8Array[];
  /** Outer imports to widen with functions the unit calls and the app does not. */
  readonly widen?: ReadonlyMap<string, Widening>;
}

/** A unit component, and how its imports map to the outer component's. */
export interface BuiltUnit {
  readonly name: string;
  readonly component: Uint8Array;
  /** The unit's core module, as configured (for tests and benchmarks that drive it directly), placeholders and all. */
  readonly core: Uint8Array;
  /**
   * Contents of the unit's data segments that its component and core module
   * hold only placeholders for (the embedded files, a large snapshot): the
   * build fills them into its output, last (binary/data-segments.ts).
   */
  readonly segments?: readonly SegmentFill[];
  /** The unit's import name → the outer import it needs. */
  readonly imports: ReadonlyMap<string, string>;
  /** The interface names the unit exports. */
  readonly exports: readonly string[];
  /** Outer imports to widen with functions the unit calls and the app does not, by outer import name. */
  readonly widen?: ReadonlyMap<string, Widening>;
}

/** The WIT world a unit's imports and exports make: each keeps its functions and, when given, its types. */
export function unitWorldSource(wit: WasiWit, imports: readonly UnitImport[], exports: readonly UnitExport[]): string {
  return worldSource(wit, {
    imports: imports.map((i) => ({
      name: i.name, keep: (fn: string) => i.functions.has(fn), types: i.types, sharedLocalUses: i.sharedLocalUses, hostUses: i.hostUses,
    })),
    exports: exports.map((e) => ({ name: e.name, keep: (fn: string) => e.functions.has(fn), types: e.types })),
  });
}

/** The import module of adapter functions that exist to trap when the Plan denies something. */
export const DENY_MODULE = 'virt-deny';

/** The compiled adapter of that name, shipped with the package. */
export function adapterPath(name: string): string {
  return fileURLToPath(new URL(`../../adapters/build/${name}.wasm`, import.meta.url));
}

// Why each stubbed adapter import traps, as the trapping function's name.
function trapName(spec: UnitSpec, imports: readonly UnitImport[], module: string, name: string): string | undefined {
  if (module === CONFIG_MODULE) return `virt-config-${name}-after-init`;
  if (module === DENY_MODULE) return `${name}-${spec.denied?.has(name) ? 'denied-by-manifest' : 'not-denied'}`;
  const granted = imports.some((i) => i.adapterModule === module && i.functions.has(name));
  return granted ? undefined : `${module}-${name}-not-granted`;
}

const DATA_MODULE = 'virt-data';
const LARGE_SEGMENT = 1024;

/** Builds one unit component. */
export async function buildUnit(spec: UnitSpec, wit: WasiWit): Promise<BuiltUnit> {
  // A snapshot's large segments (the vfs unit's tree) stay out of the WAT edit and of jco, until the output.
  const { module: snapshot, fills } = setAsideLargeSegments(await wizer(new Uint8Array(await readFile(spec.adapter)), spec.config), LARGE_SEGMENT);
  const placeholder = segmentPlaceholder();
  const imports = spec.imports.filter((i) => i.adapterModule === undefined || i.functions.size > 0);
  const exportNames = new Map<string, string>();
  for (const e of spec.exports) for (const [fn, core] of e.functions) exportNames.set(core, coreExportName(e.name, fn));
  const adapterExports = new Set(['memory', 'cabi_realloc']);
  const core = await editCoreModule(snapshot, {
    stubImport: (module, name) => trapName(spec, imports, module, name),
    stubBody: (module, name) => (module === DATA_MODULE && name === 'copy' && spec.passiveData
      ? ['local.get 0', 'local.get 1', 'local.get 2', `memory.init $${DATA_MODULE}`]
      : undefined),
    helpers: spec.passiveData ? [`  (data $${DATA_MODULE} "${new TextDecoder().decode(placeholder)}")`] : [],
    importModules: new Map(imports.flatMap((i) => (i.adapterModule ? [[i.adapterModule, coreImportModule(i.name)]] : []))),
    exportName: (name) => exportNames.get(name) ?? (adapterExports.has(name) ? undefined : null),
  });
  const segments = [...fills, ...(spec.passiveData ? [{ placeholder, chunks: spec.passiveData }] : [])];
  const witSource = unitWorldSource(wit, imports, spec.exports);
  const embedded = await componentEmbed({ binary: core, witSource, world: UNIT_WORLD });
  return {
    name: spec.name,
    component: trimUnitComponent(await componentNew(embedded)),
    core,
    imports: new Map(imports.map((i) => [formatInterfaceName(i.name), i.outer])),
    exports: spec.exports.map((e) => formatInterfaceName(e.name)),
    ...(spec.widen ? { widen: spec.widen } : {}),
    ...(segments.length ? { segments } : {}),
  };
}
