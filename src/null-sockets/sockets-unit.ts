// Null sockets: the app gets a network handle, and every way to a socket
// answers with the error code WASI defines for it.
//
//   instance-network                  a network handle (the unit's own resource)
//   create-tcp-socket, -udp-socket    err(access-denied)
//   resolve-addresses                 err(permanent-resolver-failure): DNS is unavailable, do not retry
//   every socket and stream method    unreachable: no socket or stream can exist, so none can be called
import { RETURN_AREA, type GeneratedUnitSpec } from '../units/generated-unit.js';
import type { AppImport, UnitExport, UnitImport } from '../units/unit.js';
import { formatInterfaceName } from '../wit/names.js';
import { AbiLayouts } from '../wit/abi-layout.js';
import { caseIndex, type WasiWit } from '../wit/wasi-wit.js';

/** Every wasi:sockets interface: the sockets units serve all that the app imports. */
export const SOCKETS_IDS = [
  'wasi:sockets/network', 'wasi:sockets/instance-network', 'wasi:sockets/tcp', 'wasi:sockets/tcp-create-socket',
  'wasi:sockets/udp', 'wasi:sockets/udp-create-socket', 'wasi:sockets/ip-name-lookup',
] as const;

/** Interfaces whose types the sockets and HTTP interfaces use: shared with the app, never virtualized here. */
export const IO_IDS = ['wasi:io/error', 'wasi:io/poll', 'wasi:io/streams'] as const;

/** Types-only imports of the app's own `ids` interfaces. */
export function sharedTypes(all: ReadonlyMap<string, AppImport>, ids: readonly string[]): UnitImport[] {
  return ids.flatMap((id) => {
    const app = all.get(id);
    return app ? [{ name: app.name, outer: formatInterfaceName(app.name), functions: new Set<string>(), types: new Set(app.types ?? []) }] : [];
  });
}

/** The unit exports exactly what the app imports: its functions and its types. */
export function mirrorExports(imports: readonly AppImport[]): UnitExport[] {
  return imports.map((app) => ({
    name: app.name,
    functions: new Map(app.functions.map((fn) => [fn, fn])),
    ...(app.types ? { types: new Set(app.types) } : {}),
  }));
}

/**
 * Body: write err(`code`) of function `func`'s `result<T, E>` to the return
 * area, the error case at the offset the canonical ABI gives it.
 */
export function returnError(abi: AbiLayouts, id: string, func: string, code: number): string[] {
  return returnErrorOf(abi, id, abi.resultType(id, func), code);
}

/** Body: write err(`code`) of a `result<T, E>` written as `resultType` in interface `id` to the return area. */
export function returnErrorOf(abi: AbiLayouts, id: string, resultType: string, code: number): string[] {
  const { payloadOffset } = abi.variant(id, resultType);
  return [
    `i32.const ${RETURN_AREA}`, 'i32.const 1', 'i32.store8',
    `i32.const ${RETURN_AREA}`, `i32.const ${code}`, `i32.store8 offset=${payloadOffset}`,
    `i32.const ${RETURN_AREA}`,
  ];
}

/** The unversioned WASI id of a generated unit's core export (`cm32p2|wasi:sockets/tcp@0.2|...`). */
export function interfaceOf(coreName: string): string {
  const m = /\|(wasi:[a-z-]+\/[a-z-]+)@/.exec(coreName);
  if (!m) throw new Error(`assertion failed: \`${coreName}\` names no WASI interface`);
  return m[1];
}

/** The unit that answers the app's sockets imports. */
export function nullSocketsUnit(wit: WasiWit, imports: readonly AppImport[], all: ReadonlyMap<string, AppImport>): GeneratedUnitSpec {
  const code = (name: string): number => caseIndex(wit, 'wasi:sockets/network', 'error-code', name);
  const abi = new AbiLayouts(wit);
  return {
    name: 'null-sockets',
    exports: mirrorExports(imports),
    imports: sharedTypes(all, IO_IDS),
    keepImport: (_, name) => name === 'network_new',
    body(func, coreName, core) {
      if (func.endsWith('_post') || func.endsWith('_dtor')) return { instructions: [] };
      const deny = (error: string): string[] => returnError(abi, interfaceOf(coreName), func, code(error));
      switch (func) {
        case 'instance-network':
          return { instructions: ['i32.const 1', `call ${core.imported('_ex_wasi:sockets/network', 'network_new').index}`] };
        case 'create-tcp-socket':
        case 'create-udp-socket':
          return { name: `${func}-denied-by-manifest`, instructions: deny('access-denied') };
        case 'resolve-addresses':
          return { name: `${func}-denied-by-manifest`, instructions: deny('permanent-resolver-failure') };
        default:
          return { name: `${func.replace(/^\[method\]/, '')}-without-a-socket`, instructions: ['unreachable'] };
      }
    },
  };
}
