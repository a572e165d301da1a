// Denied outgoing HTTP: `handle` drops the request (and its options) and
// returns err(HTTP-request-denied).
import { type GeneratedUnitSpec } from '../units/generated-unit.js';
import type { AppImport } from '../units/unit.js';
import { caseIndex, type WasiWit } from '../wit/wasi-wit.js';
import { IO_IDS, returnError, sharedTypes } from './sockets-unit.js';

export const OUTGOING_HANDLER_ID = 'wasi:http/outgoing-handler';
export const HTTP_TYPES_ID = 'wasi:http/types';

// result<own<future-incoming-response>, error-code>: error-code holds u64 payloads, so it sits at offset 8.
const ERROR_OFFSET = 8;

/** The unit that answers the app's `wasi:http/outgoing-handler` import. */
export function deniedHttpUnit(wit: WasiWit, handler: AppImport, all: ReadonlyMap<string, AppImport>): GeneratedUnitSpec {
  const denied = caseIndex(wit, HTTP_TYPES_ID, 'error-code', 'HTTP-request-denied');
  return {
    name: 'denied-http',
    exports: [{ name: handler.name, functions: new Map(handler.functions.map((fn) => [fn, fn])) }],
    imports: sharedTypes(all, [...IO_IDS, HTTP_TYPES_ID]),
    keepImport: (_, name) => name === 'outgoing-request_drop' || name === 'request-options_drop',
    body(func, _, core) {
      if (func.endsWith('_post')) return { instructions: [] };
      if (func !== 'handle') throw new Error(`assertion failed: outgoing-handler has no \`${func}\``);
      // Parameters: the request handle, then option<request-options> as (is-some, handle).
      return {
        name: 'http-request-denied-by-manifest',
        instructions: [
          'local.get 0', `call ${core.imported('wasi:http/types', 'outgoing-request_drop').index}`,
          'local.get 1', 'if', 'local.get 2', `call ${core.imported('wasi:http/types', 'request-options_drop').index}`, 'end',
          ...returnError(denied, ERROR_OFFSET),
        ],
      };
    },
  };
}
