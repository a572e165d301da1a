// The null filesystem, for a manifest without a `filesystem` section: the app
// gets no preopens, so no descriptor can ever exist.
//
//   get-directories          an empty list
//   filesystem-error-code    none: no io error comes from a file
//   every descriptor method  unreachable: no descriptor can exist, so none can be called
import { IO_IDS, mirrorExports, sharedTypes } from '../null-sockets/sockets-unit.js';
import { RETURN_AREA, RETURN_NONE, type GeneratedUnitSpec } from '../units/generated-unit.js';
import type { InAppPart } from '../units/in-app-unit.js';
import type { AppImport } from '../units/unit.js';

/** The unit that answers the app's wasi:filesystem imports with no filesystem at all. */
export function nullFilesystemUnit(imports: readonly AppImport[], all: ReadonlyMap<string, AppImport>): GeneratedUnitSpec {
  return {
    name: 'null-filesystem',
    exports: mirrorExports(imports),
    // The streams a descriptor would hand out are the app's (or the io group's, when there is one).
    imports: sharedTypes(all, IO_IDS),
    keepImport: () => false,
    body(func) {
      if (func.endsWith('_post') || func.endsWith('_dtor')) return { instructions: [] };
      if (func === 'get-directories') {
        return { instructions: [`i32.const ${RETURN_AREA}`, 'i64.const 0', 'i64.store', `i32.const ${RETURN_AREA}`] };
      }
      if (func === 'filesystem-error-code') {
        return { instructions: [...RETURN_NONE] };
      }
      return { name: `${func.replace(/^\[method\]/, '')}-without-a-descriptor`, instructions: ['unreachable'] };
    },
  };
}

/** The same, inside the app: the answers are written where the app's lowered imports would write them. */
export function nullFilesystemInApp(imports: readonly AppImport[]): InAppPart {
  return {
    imports,
    body(_, func, signature) {
      // get-directories(retptr): an empty list; filesystem-error-code(error, retptr): none.
      const retptr = `local.get ${signature.params.length - 1}`;
      if (func === 'get-directories') return { instructions: [retptr, 'i64.const 0', 'i64.store'] };
      if (func === 'filesystem-error-code') return { instructions: [retptr, 'i32.const 0', 'i32.store8'] };
      return { name: `${func.replace(/^\[method\]/, '')}-without-a-descriptor`, instructions: ['unreachable'] };
    },
  };
}
