// Turns a compiled adapter plus its config into a virt unit component:
// Wizer snapshot, canonical names for the app's WASI version, then jco's
// componentEmbed + componentNew against a generated world.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew } from '../jco/jco.js';
import {
  coreExportName, coreImportModule, formatInterfaceName, HOST_NAMESPACE, inNamespace, type InterfaceName,
} from '../wit/names.js';
import { UNIT_WORLD, worldSource, type WasiWit } from '../wit/wasi-wit.js';
import { editCoreModule } from './core-module-edit.js';
import { CONFIG_MODULE, wizer } from './wizer.js';

/** One interface a unit exports: the adapter's export name of each WIT function. */
export interface UnitExport {
  readonly name: InterfaceName;
  /** WIT function name → the adapter's core export name. */
  readonly functions: ReadonlyMap<string, string>;
}

/** One host interface a unit may call, under the adapter's placeholder import module. */
export interface UnitHostImport {
  /** The WASI interface, at the app's version; the unit imports it as `host:...`. */
  readonly name: InterfaceName;
  /** The adapter's import module for it (`host-environment`). */
  readonly adapterModule: string;
  /** WIT functions the unit may call; the adapter's other imports of this module become traps. */
  readonly functions: ReadonlySet<string>;
}

/** What it takes to build one unit. */
export interface UnitSpec {
  /** A short name for messages: `environment`. */
  readonly name: string;
  /** The compiled adapter, under adapters/build/. */
  readonly adapter: string;
  readonly config: Uint8Array;
  readonly exports: readonly UnitExport[];
  readonly hostImports: readonly UnitHostImport[];
}

/** A unit component, and how its imports map to the outer component's. */
export interface BuiltUnit {
  readonly name: string;
  readonly component: Uint8Array;
  /** The unit's core module, as configured (for tests and benchmarks that drive it directly). */
  readonly core: Uint8Array;
  /** The unit's import name (`host:cli/environment@0.2.3`) → the outer import it needs (`wasi:cli/...`). */
  readonly hostImports: ReadonlyMap<string, string>;
  /** The interface names the unit exports. */
  readonly exports: readonly string[];
}

/** The compiled adapter of that name, shipped with the package. */
export function adapterPath(name: string): string {
  return fileURLToPath(new URL(`../../adapters/build/${name}.wasm`, import.meta.url));
}

/** Builds one unit component. */
export async function buildUnit(spec: UnitSpec, wit: WasiWit): Promise<BuiltUnit> {
  const snapshot = await wizer(new Uint8Array(await readFile(spec.adapter)), spec.config);
  const granted = spec.hostImports.filter((h) => h.functions.size > 0);
  const importModules = new Map(granted.map((h) => [h.adapterModule, coreImportModule(inNamespace(h.name, HOST_NAMESPACE))]));
  const exportNames = new Map<string, string>();
  for (const e of spec.exports) for (const [fn, core] of e.functions) exportNames.set(core, coreExportName(e.name, fn));
  const core = await editCoreModule(snapshot, {
    stubImport: (module, name) =>
      module === CONFIG_MODULE || !granted.some((h) => h.adapterModule === module && h.functions.has(name)),
    importModules,
    exportNames,
  });
  const witSource = worldSource(wit, {
    imports: granted.map((h) => ({ name: inNamespace(h.name, HOST_NAMESPACE), keep: (fn) => h.functions.has(fn) })),
    exports: spec.exports.map((e) => ({ name: e.name })),
  });
  const embedded = await componentEmbed({ binary: core, witSource, world: UNIT_WORLD });
  const component = await componentNew(embedded);
  return {
    name: spec.name,
    component,
    core,
    hostImports: new Map(granted.map((h) => [formatInterfaceName(inNamespace(h.name, HOST_NAMESPACE)), formatInterfaceName(h.name)])),
    exports: spec.exports.map((e) => formatInterfaceName(e.name)),
  };
}
