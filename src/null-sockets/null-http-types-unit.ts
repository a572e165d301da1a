// wasi:http/types under `http: deny`, so that the output imports nothing of
// wasi:http (componentize-js components import the types whatever they do).
// Enough lives here for a program to build a request and send it, to be told
// HTTP-request-denied by the denied handler:
//
//   fields, outgoing-request, request-options, outgoing-body, outgoing-response
//     can be made; setters succeed and hold nothing, getters give the empty
//     answer (no entries, none, GET, status 200); an own handle passed in is
//     dropped; `outgoing-body.write` fails, since the body goes nowhere
//   incoming-request, incoming-response, incoming-body, future-trailers,
//   future-incoming-response, response-outparam
//     none can exist (no request is ever sent, nothing is served), so their
//     functions are unreachable
//   http-error-code   none: no io error comes from HTTP
import { RETURN_AREA, type CoreView, type GeneratedUnitSpec } from '../units/generated-unit.js';
import type { AppImport } from '../units/unit.js';
import { AbiLayouts, type HandleSite } from '../wit/abi-layout.js';
import type { WasiWit } from '../wit/wasi-wit.js';
import { HTTP_TYPES_ID } from './http-unit.js';
import { IO_IDS, mirrorExports, sharedTypes } from './sockets-unit.js';

// Resources that only a sent request or a served one hands out: under deny, none exists.
const UNREACHABLE = new Set(['incoming-request', 'incoming-response', 'incoming-body', 'future-trailers', 'future-incoming-response', 'response-outparam']);

// The resource a `[method]r.f`, `[static]r.f` or `[constructor]r` belongs to.
function resourceOf(func: string): string | undefined {
  return /^\[(?:method|static|constructor)\]([^.]+)/.exec(func)?.[1];
}

// Instead of a stream (only `outgoing-body.write` hands one out): the error case of the result holding it.
function errorCase(site: HandleSite): string[] {
  const [outer] = site.when;
  if (!outer) throw new Error(`assertion failed: a null HTTP function returns a bare \`${site.resource}\``);
  return [`i32.const ${RETURN_AREA}`, 'i32.const 1', `i32.store8 offset=${outer.offset}`];
}

/** The unit that answers the app's wasi:http/types when the manifest denies HTTP. */
export function nullHttpTypesUnit(wit: WasiWit, types: AppImport, all: ReadonlyMap<string, AppImport>): GeneratedUnitSpec {
  const abi = new AbiLayouts(wit);
  const own = (core: CoreView, resource: string, builtin: 'new' | 'drop'): string => `call ${core.imported(`_ex_${HTTP_TYPES_ID}`, `${resource}_${builtin}`).index}`;
  // A fresh handle of one of the unit's resources; its rep means nothing, since nothing is kept.
  const fresh = (core: CoreView, site: HandleSite): string[] => {
    if (site.home !== HTTP_TYPES_ID) throw new Error(`assertion failed: a null HTTP value holds a \`${site.resource}\``);
    return ['i32.const 1', own(core, site.resource, 'new')];
  };
  return {
    name: 'null-http-types',
    exports: mirrorExports([types]),
    imports: sharedTypes(all, IO_IDS),
    keepImport: (module, name) => module.includes(`_ex_${HTTP_TYPES_ID}`) && /_(new|drop)$/.test(name),
    body(func, coreName, core) {
      if (func.endsWith('_post') || func.endsWith('_dtor')) return { instructions: [] };
      const resource = resourceOf(func);
      if (resource && UNREACHABLE.has(resource)) return { name: `${func.replace(/^\[\w+\]/, '')}-without-a-${resource}`, instructions: ['unreachable'] };
      // Own handles the app hands over are the unit's own: dropping them keeps its tables from growing.
      const drops = abi.paramHandleSites(HTTP_TYPES_ID, func).filter((p) => p.own && p.home === HTTP_TYPES_ID).flatMap((p) => {
        const drop = [`local.get ${p.index}`, own(core, p.resource, 'drop')];
        return p.when ? [`local.get ${p.when.index}`, `i32.const ${p.when.caseIndex}`, 'i32.eq', 'if', ...drop, 'end'] : drop;
      });
      const result = abi.resultType(HTTP_TYPES_ID, func);
      const sites = abi.handleSites(HTTP_TYPES_ID, result);
      if (result === '_') return { instructions: drops };
      if (!abi.returnsInMemory(HTTP_TYPES_ID, func)) {
        if (sites.length) return { instructions: [...drops, ...fresh(core, sites[0])] };
        if (func === '[method]outgoing-response.status-code') return { instructions: [...drops, 'i32.const 200'] };
        const [type] = core.exported(coreName).results;
        return { instructions: [...drops, `${type}.const 0`] }; // ok, false, 0
      }
      // All zeros is the empty answer (ok, none, an empty list, the first case); then each handle the
      // zero cases hold is made: a fresh one of the unit's, or, for a stream, the error case instead.
      const { size } = abi.layout(HTTP_TYPES_ID, result);
      const zero = Array.from({ length: Math.ceil(size / 4) }, (_, i) => [`i32.const ${RETURN_AREA}`, 'i32.const 0', `i32.store offset=${i * 4}`]).flat();
      const handles = sites.filter((site) => site.when.every((c) => c.caseIndex === 0) && !site.list).flatMap((site) => (site.home === HTTP_TYPES_ID
        ? [`i32.const ${RETURN_AREA}`, ...fresh(core, site), `i32.store offset=${site.offset}`]
        : errorCase(site)));
      return { instructions: [...drops, ...zero, ...handles, `i32.const ${RETURN_AREA}`] };
    },
  };
}
