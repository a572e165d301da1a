// A unit generated without an adapter: jco's dummy module for the unit's world
// gives every canonical name and core signature; virt gives the functions it
// answers a body and drops the imports those bodies do not call. Null sockets
// and denied HTTP are made this way: their answers are constant.
import { componentEmbed, componentNew, printWasm } from '../jco/jco.js';
import { formatInterfaceName } from '../wit/names.js';
import { UNIT_WORLD, worldSource, type WasiWit } from '../wit/wasi-wit.js';
import { editCoreModule, type FunctionBody } from './core-module-edit.js';
import type { BuiltUnit, UnitExport, UnitImport } from './unit.js';

/** What it takes to generate one unit. */
export interface GeneratedUnitSpec {
  readonly name: string;
  /** Interfaces the unit exports, with the WIT functions to export (map values are unused). */
  readonly exports: readonly UnitExport[];
  /** Interfaces the unit imports for their types (and for the functions `keepImport` keeps). */
  readonly imports: readonly UnitImport[];
  /** The body of a core export, by its WIT function name (`create-tcp-socket`, `network_dtor`, ...). */
  body(func: string, core: CoreNames): FunctionBody;
  /** Whether a body calls this core import (by its function name, `network_new`); others are dropped. */
  keepImport(func: string): boolean;
}

/** The core import indices a body may call, by core function name. */
export type CoreNames = ReadonlyMap<string, number>;

/** The address of the static return area that generated bodies write their results to. */
export const RETURN_AREA = 16;

// Arguments a generated unit receives (a host name to resolve, say) are never
// read, so every allocation may share one scratch area, grown to fit.
const SCRATCH = 1024;
const SCRATCH_REALLOC: FunctionBody = {
  name: 'scratch-realloc',
  instructions: [
    `i32.const ${SCRATCH}`, 'local.get 3', 'i32.add', 'memory.size', 'i32.const 16', 'i32.shl', 'i32.gt_u',
    'if', 'local.get 3', 'i32.const 16', 'i32.shr_u', 'i32.const 1', 'i32.add', 'memory.grow', 'drop', 'end',
    `i32.const ${SCRATCH}`,
  ],
};
const REALLOC_EXPORTS = new Set(['cm32p2_realloc', 'cabi_realloc']);

const IMPORT = /^\s*\(import "[^"]*" "([^"]*)" \(func \(;(\d+);\)/;

function funcName(coreName: string): string {
  return coreName.slice(coreName.lastIndexOf('|') + 1);
}

/** Generates one unit component. */
export async function buildGeneratedUnit(spec: GeneratedUnitSpec, wit: WasiWit): Promise<BuiltUnit> {
  const witSource = worldSource(wit, {
    imports: spec.imports.map((i) => ({ name: i.name, keep: () => false })),
    exports: spec.exports.map((e) => ({ name: e.name, keep: (fn: string) => e.functions.has(fn) })),
  });
  const dummy = await componentEmbed({ witSource, world: UNIT_WORLD, dummy: true });
  const imports = new Map<string, number>();
  for (const line of (await printWasm(dummy)).split('\n')) {
    const m = IMPORT.exec(line);
    if (m) imports.set(m[1], Number(m[2]));
  }
  const core = await editCoreModule(dummy, {
    stubImport: (_, name) => (spec.keepImport(name) ? undefined : `${name}-unused`),
    importModules: new Map(),
    exportName: () => undefined,
    body: (name) => (REALLOC_EXPORTS.has(name) ? SCRATCH_REALLOC : name.includes('|') ? spec.body(funcName(name), imports) : undefined),
    minMemoryPages: 1,
  });
  const embedded = await componentEmbed({ binary: core, witSource, world: UNIT_WORLD });
  return {
    name: spec.name,
    component: await componentNew(embedded),
    core,
    imports: new Map(spec.imports.map((i) => [formatInterfaceName(i.name), i.outer])),
    exports: spec.exports.map((e) => formatInterfaceName(e.name)),
  };
}
