// A unit generated without an adapter: jco's dummy module for the unit's world
// gives every canonical name and core signature; virt gives the functions it
// answers a body and drops the imports those bodies do not call. Null sockets,
// allow-listed sockets and denied HTTP are made this way.
import { trimUnitComponent } from '../binary/unit-component.js';
import { componentEmbed, componentNew, printWasm } from '../jco/jco.js';
import { formatInterfaceName } from '../wit/names.js';
import { UNIT_WORLD, type WasiWit } from '../wit/wasi-wit.js';
import { editCoreModule, type FunctionBody } from './core-module-edit.js';
import { unitWorldSource, type BuiltUnit, type UnitExport, type UnitImport, type Widening } from './unit.js';

/** One function of the dummy module: its index and core parameter and result types. */
export interface CoreFunction {
  readonly index: number;
  readonly params: readonly string[];
  readonly results: readonly string[];
}

/** The dummy module's imports and exports, by name, for bodies to call and mirror. */
export interface CoreView {
  /** An import whose module name contains `module` (`host:sockets/tcp`, `_ex_wasi:sockets/tcp`), by function name. */
  imported(module: string, name: string): CoreFunction;
  /** The export of a function, by its full core name. */
  exported(coreName: string): CoreFunction;
}

/** What it takes to generate one unit. */
export interface GeneratedUnitSpec {
  readonly name: string;
  /** Interfaces the unit exports, with the WIT functions to export (map values are unused). */
  readonly exports: readonly UnitExport[];
  /** Interfaces the unit imports: shared types, or host copies whose listed functions it forwards to. */
  readonly imports: readonly UnitImport[];
  /** The body of a core export: `func` is its function name (`create-tcp-socket`, `network_dtor`). */
  body(func: string, coreName: string, core: CoreView): FunctionBody;
  /** Whether bodies call this core import; the others are dropped. */
  keepImport(module: string, name: string): boolean;
  /** Helper functions in WAT; bodies call them by `$name`. Given the core view, they may call imports (one instruction per line). */
  readonly helpers?: readonly string[] | ((core: CoreView) => readonly string[]);
  /** Constant data, placed at DATA_BASE. */
  readonly data?: Uint8Array;
  /** Bytes of zeroed state kept after the data (16-aligned), for the unit's own bookkeeping. */
  readonly reserve?: number;
  /** Outer imports to widen with functions the unit calls and the app does not. */
  readonly widen?: ReadonlyMap<string, Widening>;
}

/** The address of the static return area that generated bodies write their results to. */
export const RETURN_AREA = 16;

/** A body that answers the none case of an option (a zero tag) in the return area. */
export const RETURN_NONE: readonly string[] = [`i32.const ${RETURN_AREA}`, 'i32.const 0', 'i32.store8', `i32.const ${RETURN_AREA}`];

/** Where a unit's constant data (`GeneratedUnitSpec.data`) starts. */
export const DATA_BASE = 1024;

/** Where a unit's reserved state starts, after `dataLength` bytes of data. */
export function reservedBase(dataLength: number): number {
  return DATA_BASE + Math.ceil(dataLength / 16) * 16;
}

// Memory: the bump pointer at 8, return areas from 16, constant data from
// DATA_BASE, then a scratch area for the arguments a unit reads (a datagram
// list, say) or ignores (a host name to deny). One call's allocations are
// consumed before the next call starts, which resets the scratch area.
const SCRATCH_TOP = 8;

function scratchRealloc(scratch: number): FunctionBody {
  return {
    name: 'scratch-realloc',
    // (old, old_size, align, size): top = max(*8, scratch) aligned up; *8 = top + size; grow to fit.
    instructions: [
      `i32.const ${SCRATCH_TOP}`,
      `i32.const ${SCRATCH_TOP}`, 'i32.load', 'local.set 0',
      'local.get 0', `i32.const ${scratch}`, 'local.get 0', `i32.const ${scratch}`, 'i32.ge_u', 'select',
      'local.get 2', 'i32.add', 'i32.const 1', 'i32.sub', 'i32.const 0', 'local.get 2', 'i32.sub', 'i32.and',
      'local.tee 0', 'local.get 3', 'i32.add', 'i32.store',
      `i32.const ${SCRATCH_TOP}`, 'i32.load', 'memory.size', 'i32.const 16', 'i32.shl', 'i32.gt_u',
      'if', 'local.get 3', 'i32.const 16', 'i32.shr_u', 'i32.const 1', 'i32.add', 'memory.grow', 'drop', 'end',
      'local.get 0',
    ],
  };
}

const REALLOC_EXPORTS = new Set(['cm32p2_realloc', 'cabi_realloc']);

function dataSegment(data: Uint8Array): string {
  return `  (data (i32.const ${DATA_BASE}) "${[...data].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('')}")`;
}

const TYPE = /^\s*\(type \(;(\d+);\) \(func(?: \(param ([^)]*)\))?(?: \(result ([^)]*)\))?\)\)$/;
const IMPORT = /^\s*\(import "([^"]*)" "([^"]*)" \(func \(;(\d+);\) \(type (\d+)\)\)\)$/;
const EXPORT = /^\s*\(export "([^"]*)" \(func (\d+)\)\)$/;
const FUNC = /^\s*\(func \(;(\d+);\) \(type (\d+)\)/;

/** The imports and exports of a printed core module (as wasm-tools prints jco's dummy modules). */
export function readCoreView(text: string): CoreView {
  const types = new Map<number, { params: string[]; results: string[] }>();
  const imports: Array<{ module: string; name: string; fn: CoreFunction }> = [];
  const exports = new Map<string, number>();
  const funcTypes = new Map<number, number>();
  for (const line of text.split('\n')) {
    let m = TYPE.exec(line);
    if (m) types.set(Number(m[1]), { params: m[2]?.split(' ') ?? [], results: m[3]?.split(' ') ?? [] });
    else if ((m = IMPORT.exec(line))) {
      const type = types.get(Number(m[4]))!;
      imports.push({ module: m[1], name: m[2], fn: { index: Number(m[3]), ...type } });
    } else if ((m = EXPORT.exec(line))) exports.set(m[1], Number(m[2]));
    else if ((m = FUNC.exec(line))) funcTypes.set(Number(m[1]), Number(m[2]));
  }
  return {
    imported(module, name) {
      const found = imports.find((i) => i.module.includes(module) && i.name === name);
      if (!found) throw new Error(`assertion failed: the unit's world imports no \`${name}\` from \`${module}\``);
      return found.fn;
    },
    exported(coreName) {
      const index = exports.get(coreName);
      if (index === undefined) throw new Error(`assertion failed: no export \`${coreName}\``);
      return { index, ...types.get(funcTypes.get(index)!)! };
    },
  };
}

function funcName(coreName: string): string {
  return coreName.slice(coreName.lastIndexOf('|') + 1);
}

/** Generates one unit component. */
export async function buildGeneratedUnit(spec: GeneratedUnitSpec, wit: WasiWit): Promise<BuiltUnit> {
  const witSource = unitWorldSource(wit, spec.imports, spec.exports);
  const dummy = await componentEmbed({ witSource, world: UNIT_WORLD, dummy: true });
  const text = await printWasm(dummy);
  const view = readCoreView(text);
  const data = spec.data ?? new Uint8Array();
  const scratch = reservedBase(data.length) + Math.ceil((spec.reserve ?? 0) / 16) * 16;
  const resetScratch = [`i32.const ${SCRATCH_TOP}`, `i32.const ${scratch}`, 'i32.store'];
  // A destructor or post-return that does nothing need not exist. Without the destructor, wit-component adds
  // no shim and fixup modules (two core instances, a table) to the unit; without the post-return, the lift has
  // no `post-return` option, and the unit no export and alias for it (130 bytes a function).
  const idle = new Set([...text.matchAll(/\(export "([^"]*_(?:dtor|post))" \(func/g)].map((m) => m[1])
    .filter((coreName) => spec.body(funcName(coreName), coreName, view).instructions.length === 0));
  const core = await editCoreModule({ text }, {
    stubImport: (module, name) => (spec.keepImport(module, name) ? undefined : `${name}-unused`),
    importModules: new Map(),
    // Nor does a generated unit need initializing: without `cm32p2_initialize`, no module of wit-component's calls it.
    exportName: (name) => (idle.has(name) || name === 'cm32p2_initialize' ? null : undefined),
    body: (name) => {
      if (REALLOC_EXPORTS.has(name)) return scratchRealloc(scratch);
      if (!name.includes('|')) return undefined;
      const body = spec.body(funcName(name), name, view);
      return { ...body, instructions: [...resetScratch, ...body.instructions] };
    },
    minMemoryPages: Math.ceil((scratch + 1) / 65536),
    helpers: [...(typeof spec.helpers === 'function' ? spec.helpers(view) : spec.helpers ?? []), ...(data.length ? [dataSegment(data)] : [])],
  });
  const embedded = await componentEmbed({ binary: core, witSource, world: UNIT_WORLD });
  return {
    name: spec.name,
    component: trimUnitComponent(await componentNew(embedded)),
    core,
    imports: new Map(spec.imports.map((i) => [formatInterfaceName(i.name), i.outer])),
    exports: spec.exports.map((e) => formatInterfaceName(e.name)),
    ...(spec.widen ? { widen: spec.widen } : {}),
  };
}
