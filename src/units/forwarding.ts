// Generated pass-through: a unit that re-exports interfaces it imports from the
// host under `host:`, forwarding every call. Its own resources hold the host's
// handle as their rep, so `self` and borrowed arguments pass as they are; host
// handles in results become the unit's through `[resource-new]` wherever the WIT
// puts them; a destructor drops the host's handle.
import type { AbiLayouts, HandleSite } from '../wit/abi-layout.js';
import { formatInterfaceName, HOST_NAMESPACE, inNamespace } from '../wit/names.js';
import type { FunctionBody } from './core-module-edit.js';
import { RETURN_AREA, type CoreFunction, type CoreView } from './generated-unit.js';
import type { AppImport, UnitImport } from './unit.js';

/** The `host:` copies of the app's imports that a forwarding unit calls: the functions and types the app uses. */
export function hostCopies(imports: readonly AppImport[]): UnitImport[] {
  return imports.map((app) => ({
    name: inNamespace(app.name, HOST_NAMESPACE),
    outer: formatInterfaceName(app.name),
    functions: new Set(app.functions),
    types: new Set(app.types ?? []),
  }));
}

/** The core imports a forwarding body calls: the host copies, and the resource builtins of the unit's own resources. */
export function keepForwardingImport(module: string, name: string): boolean {
  return module.includes(`|${HOST_NAMESPACE}:`) || (module.includes('|_ex_') && /_(new|rep|drop)$/.test(name));
}

/** How one export forwards: its interface, and which interfaces' resources are the unit's own. */
export interface ForwardedCall {
  readonly abi: AbiLayouts;
  readonly core: CoreView;
  /** The export's core name and function name. */
  readonly coreName: string;
  readonly func: string;
  /** The unversioned WASI interface id the export belongs to. */
  readonly id: string;
  readonly ownsResourcesOf: (home: string) => boolean;
  /** The import to call, when not the host copy of `id`: a core module (or part of its name) and function. */
  readonly target?: { readonly module: string; readonly func: string };
  /** Instructions applied to each parameter after it is pushed (a handle to unwrap); none by default. */
  readonly param?: (index: number) => readonly string[];
  /** Instructions that turn a handle the call returned (on the stack) into the rep of the unit's own resource. */
  readonly toRep?: (site: HandleSite) => readonly string[];
}

function hostModule(id: string): string {
  return `${HOST_NAMESPACE}:${id.slice(id.indexOf(':') + 1)}`;
}

function targetOf(call: ForwardedCall): CoreFunction {
  return call.target ? call.core.imported(call.target.module, call.target.func) : call.core.imported(hostModule(call.id), call.func);
}

/** Whether the export returns through a return area (its host import then takes one more parameter). */
export function returnsInMemory(call: ForwardedCall): boolean {
  return targetOf(call).params.length === call.core.exported(call.coreName).params.length + 1;
}

/**
 * What a unit that forwards needs besides its bodies: the rep of an own handle
 * being handed to the host, whose destructor must then not drop it (-1: none).
 */
export const FORWARDING_HELPERS = ['  (global $virt-moved (mut i32) (i32.const -1))'];

/** The body that forwards one export to the host: a destructor drops, anything else calls and wraps. */
export function forwardBody(call: ForwardedCall): FunctionBody {
  const { abi, core, func, id } = call;
  if (func.endsWith('_dtor')) {
    const drop = core.imported(hostModule(id), `${func.slice(0, -'_dtor'.length)}_drop`).index;
    return { instructions: ['local.get 0', 'global.get $virt-moved', 'i32.eq', 'if', 'return', 'end', 'local.get 0', `call ${drop}`] };
  }
  const retptr = returnsInMemory(call);
  // An own handle of the unit's own resource arrives as a handle in its own table (the canonical ABI
  // lowers `own` as a new handle even into the resource's defining component): the host wants the rep.
  // The handle is dropped on the way, with $virt-moved telling its destructor that the host owns it now.
  const owned = new Map(abi.paramHandleSites(id, func).filter((site) => site.own && call.ownsResourcesOf(site.home)).map((site) => [site.index, site]));
  const arg = (i: number): string[] => {
    const site = owned.get(i);
    if (!site) return [`local.get ${i}`, ...(call.param?.(i) ?? [])];
    const resource = (builtin: string): string => `call ${core.imported(`_ex_${site.home}`, `${site.resource}_${builtin}`).index}`;
    const rep = [
      `local.get ${i}`, resource('rep'), 'global.set $virt-moved',
      `local.get ${i}`, resource('drop'),
      'global.get $virt-moved', 'i32.const -1', 'global.set $virt-moved',
    ];
    return site.when
      ? [`local.get ${site.when.index}`, `i32.const ${site.when.caseIndex}`, 'i32.eq', 'if (result i32)', ...rep, 'else', `local.get ${i}`, 'end']
      : rep;
  };
  const forward = [
    ...core.exported(call.coreName).params.flatMap((_, i) => arg(i)),
    ...(retptr ? [`i32.const ${RETURN_AREA}`] : []),
    `call ${targetOf(call).index}`,
  ];
  const sites = abi.handleSites(id, abi.resultType(id, func)).filter((site) => call.ownsResourcesOf(site.home));
  const resourceNew = (site: HandleSite): string[] =>
    [...(call.toRep?.(site) ?? []), `call ${core.imported(`_ex_${site.home}`, `${site.resource}_new`).index}`];
  if (!retptr) return { instructions: [...forward, ...sites.flatMap(resourceNew)] };
  // Two locals walk a list of handles: the element's address, and how many are left.
  const [element, left] = [core.exported(call.coreName).params.length, core.exported(call.coreName).params.length + 1];
  const base = [`i32.const ${RETURN_AREA}`];
  const wraps = sites.flatMap((site) => wrapSite(site, base, resourceNew, element, left));
  const usesList = sites.some((site) => site.list);
  return { ...(usesList ? { locals: ['i32', 'i32'] } : {}), instructions: [...forward, ...wraps, `i32.const ${RETURN_AREA}`] };
}

// Instructions that make the host handle at `site` (from the address `base` leaves) the unit's own.
function wrapSite(site: HandleSite, base: readonly string[], resourceNew: (site: HandleSite) => string[], element: number, left: number): string[] {
  const holds = site.when.flatMap((c, i) => [
    ...base, c.size === 1 ? `i32.load8_u offset=${c.offset}` : c.size === 2 ? `i32.load16_u offset=${c.offset}` : `i32.load offset=${c.offset}`,
    `i32.const ${c.caseIndex}`, 'i32.eq', ...(i > 0 ? ['i32.and'] : []),
  ]);
  let wrap: string[];
  if (site.list) {
    if (site.list.elements.some((e) => e.list)) throw new Error('assertion failed: lists of lists of handles are not supported');
    const at = [`local.get ${element}`];
    wrap = [
      ...base, `i32.load offset=${site.offset}`, `local.set ${element}`,
      ...base, `i32.load offset=${site.offset + 4}`, `local.set ${left}`,
      'block', 'loop',
      `local.get ${left}`, 'i32.eqz', 'br_if 1',
      ...site.list.elements.flatMap((e) => wrapSite(e, at, resourceNew, element, left)),
      `local.get ${element}`, `i32.const ${site.list.elementSize}`, 'i32.add', `local.set ${element}`,
      `local.get ${left}`, 'i32.const 1', 'i32.sub', `local.set ${left}`,
      'br 0', 'end', 'end',
    ];
  } else {
    wrap = [...base, ...base, `i32.load offset=${site.offset}`, ...resourceNew(site), `i32.store offset=${site.offset}`];
  }
  return holds.length ? [...holds, 'if', ...wrap, 'end'] : wrap;
}
