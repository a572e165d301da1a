// Outgoing HTTP, denied or allow-listed. Denied, `handle` drops the request
// (and its options) and returns err(HTTP-request-denied). Allow-listed, it
// first asks the request its scheme and authority (the outer import of
// wasi:http/types is widened with those two methods where the app never calls
// them) and forwards to the host only when they match a listed origin.
import { ByteWriter } from '../binary/byte-writer.js';
import type { HttpOrigin } from '../policies/http-origins.js';
import { DATA_BASE, RETURN_AREA, type CoreView, type GeneratedUnitSpec } from '../units/generated-unit.js';
import { InstanceDecls, PRIMITIVE, valType } from '../units/instance-decls.js';
import type { AppImport, Widening } from '../units/unit.js';
import { formatInterfaceName, HOST_NAMESPACE, inNamespace } from '../wit/names.js';
import { AbiLayouts } from '../wit/abi-layout.js';
import { caseIndex, type WasiWit } from '../wit/wasi-wit.js';
import { IO_IDS, mirrorExports, returnError, sharedTypes } from './sockets-unit.js';

/** The interface a denied or allow-listed HTTP unit exports. */
export const OUTGOING_HANDLER_ID = 'wasi:http/outgoing-handler';
/** The interface whose types (requests, errors) the HTTP units share with the app. */
export const HTTP_TYPES_ID = 'wasi:http/types';

// Body: drop the request (local 0) and, when given, its options (locals 1 and 2: is-some, handle).
function dropRequest(core: CoreView): string[] {
  const drop = (resource: string): string => `call ${core.imported(HTTP_TYPES_ID, `${resource}_drop`).index}`;
  return ['local.get 0', drop('outgoing-request'), 'local.get 1', 'if', 'local.get 2', drop('request-options'), 'end'];
}

/** The unit that answers the app's `wasi:http/outgoing-handler` import. */
export function deniedHttpUnit(wit: WasiWit, handler: AppImport, all: ReadonlyMap<string, AppImport>): GeneratedUnitSpec {
  const denied = returnError(new AbiLayouts(wit), OUTGOING_HANDLER_ID, 'handle', caseIndex(wit, HTTP_TYPES_ID, 'error-code', 'HTTP-request-denied'));
  return {
    name: 'denied-http',
    exports: mirrorExports([handler]),
    imports: sharedTypes(all, [...IO_IDS, HTTP_TYPES_ID]),
    keepImport: (_, name) => name === 'outgoing-request_drop' || name === 'request-options_drop',
    body(func, _, core) {
      if (func.endsWith('_post')) return { instructions: [] };
      if (func !== 'handle') throw new Error(`assertion failed: outgoing-handler has no \`${func}\``);
      return { name: 'http-request-denied-by-manifest', instructions: [...dropRequest(core), ...denied] };
    },
  };
}

// Where the host writes the answers of `scheme` (option<scheme>) and `authority` (option<string>).
const SCHEME_AREA = 128;
const AUTHORITY_AREA = 160;
const SCHEME_CASE = { http: 0, https: 1 } as const;
/** What the HTTP allow-list asks of each request, whether or not the app does. */
export const ALLOW_LIST_HTTP_METHODS = ['[method]outgoing-request.scheme', '[method]outgoing-request.authority'];

// The two methods the unit asks about a request, as declarations of the app's `wasi:http/types` instance type.
const askAboutRequests: Widening = ({ localCount, localIndex, functions }) => {
  const request = localIndex.get('outgoing-request');
  if (request === undefined) throw new Error('assertion failed: an app that sends requests imports `outgoing-request`');
  const decls = new InstanceDecls(localCount);
  const borrow = decls.type(new ByteWriter().u8(0x68).u32(request));
  const optionString = decls.type(valType(new ByteWriter().u8(0x6b), PRIMITIVE.string));
  // WIT names its variants: use the app's `scheme`, or declare and export one.
  const scheme = localIndex.get('scheme') ?? decls.exportType('scheme', decls.type(new ByteWriter().u8(0x71).u32(3)
    .name('HTTP').u8(0x00).u8(0x00)
    .name('HTTPS').u8(0x00).u8(0x00)
    .name('other').u8(0x01).u8(PRIMITIVE.string.primitive).u8(0x00)));
  const optionScheme = decls.type(new ByteWriter().u8(0x6b).s33(scheme));
  if (!functions.includes(ALLOW_LIST_HTTP_METHODS[0])) decls.exportFunction(ALLOW_LIST_HTTP_METHODS[0], [['self', borrow]], optionScheme);
  if (!functions.includes(ALLOW_LIST_HTTP_METHODS[1])) decls.exportFunction(ALLOW_LIST_HTTP_METHODS[1], [['self', borrow]], optionString);
  return decls.decls;
};

/** The unit that forwards the app's requests to the host only for listed origins. */
export function allowListHttpUnit(wit: WasiWit, origins: readonly HttpOrigin[], handler: AppImport, all: ReadonlyMap<string, AppImport>): GeneratedUnitSpec {
  const abi = new AbiLayouts(wit);
  const denied = returnError(abi, OUTGOING_HANDLER_ID, 'handle', caseIndex(wit, HTTP_TYPES_ID, 'error-code', 'HTTP-request-denied'));
  const schemeAt = SCHEME_AREA + abi.variant(HTTP_TYPES_ID, 'option<scheme>').payloadOffset;
  const authorityAt = AUTHORITY_AREA + abi.variant(HTTP_TYPES_ID, 'option<string>').payloadOffset;
  const types = all.get(HTTP_TYPES_ID);
  if (!types) throw new Error('assertion failed: an app that sends requests imports wasi:http/types');
  const encoder = new TextEncoder();
  const data: number[] = [];
  const checks: string[] = [];
  for (const origin of origins) {
    for (const authority of origin.authorities) {
      const bytes = encoder.encode(authority);
      const at = DATA_BASE + data.length;
      data.push(...bytes);
      checks.push(
        `i32.const ${schemeAt}`, 'i32.load8_u', `i32.const ${SCHEME_CASE[origin.scheme]}`, 'i32.eq',
        `i32.const ${authorityAt}`, 'i32.load', `i32.const ${authorityAt + 4}`, 'i32.load',
        `i32.const ${at}`, `i32.const ${bytes.length}`, 'call $virt-bytes-equal', 'i32.and',
        'local.get 3', 'i32.or', 'local.set 3',
      );
    }
  }
  const bytesEqual = `  (func $virt-bytes-equal (param i32 i32 i32 i32) (result i32)
    local.get 1 local.get 3 i32.ne if i32.const 0 return end
    block loop
      local.get 1 i32.eqz br_if 1
      local.get 0 i32.load8_u local.get 2 i32.load8_u i32.ne if i32.const 0 return end
      local.get 0 i32.const 1 i32.add local.set 0
      local.get 2 i32.const 1 i32.add local.set 2
      local.get 1 i32.const 1 i32.sub local.set 1
      br 0
    end end
    i32.const 1)`;
  return {
    name: 'allow-list-http',
    exports: mirrorExports([handler]),
    imports: [
      ...sharedTypes(all, IO_IDS),
      { name: types.name, outer: formatInterfaceName(types.name), functions: new Set(ALLOW_LIST_HTTP_METHODS), types: new Set(types.types ?? []) },
      { name: inNamespace(handler.name, HOST_NAMESPACE), outer: formatInterfaceName(handler.name), functions: new Set(['handle']), sharedLocalUses: true },
    ],
    widen: new Map([[formatInterfaceName(types.name), askAboutRequests]]),
    keepImport: (module, func) => module.includes(`|${HOST_NAMESPACE}:`) || ALLOW_LIST_HTTP_METHODS.includes(func) || func.endsWith('_drop'),
    helpers: [bytesEqual],
    data: Uint8Array.from(data),
    body(func, _, core) {
      if (func.endsWith('_post')) return { instructions: [] };
      const call = (fn: string): string => `call ${core.imported('wasi:http/types', fn).index}`;
      return {
        name: 'http-allow-list',
        locals: ['i32'],
        instructions: [
          'local.get 0', `i32.const ${SCHEME_AREA}`, call(ALLOW_LIST_HTTP_METHODS[0]),
          'local.get 0', `i32.const ${AUTHORITY_AREA}`, call(ALLOW_LIST_HTTP_METHODS[1]),
          `i32.const ${SCHEME_AREA}`, 'i32.load8_u', `i32.const ${AUTHORITY_AREA}`, 'i32.load8_u', 'i32.and',
          'if', ...checks, 'end',
          'local.get 3',
          'if',
          'local.get 0', 'local.get 1', 'local.get 2', `i32.const ${RETURN_AREA}`,
          `call ${core.imported(`${HOST_NAMESPACE}:http/outgoing-handler`, 'handle').index}`,
          `i32.const ${RETURN_AREA}`, 'return',
          'end',
          ...dropRequest(core),
          ...denied,
        ],
      };
    },
  };
}
