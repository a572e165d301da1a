// The virtualizers of sockets and outgoing HTTP: denied, or allow-listed; and wasi:http's types when denied.
import type { Virtualizer } from '../units/virtualizer.js';
import { buildGeneratedUnit } from '../units/generated-unit.js';
import { allowListSocketsUnit } from './allow-list-unit.js';
import { allowListHttpUnit, deniedHttpUnit, HTTP_TYPES_ID, OUTGOING_HANDLER_ID } from './http-unit.js';
import { nullHttpTypesUnit } from './null-http-types-unit.js';
import { nullSocketsUnit, SOCKETS_IDS } from './sockets-unit.js';

export const sockets: Virtualizer = {
  name: 'null-sockets',
  ids: SOCKETS_IDS,
  virtualizes: (plan) => plan.sockets.mode !== 'host',
  describe: ({ sockets: s }) => (s.mode === 'deny'
    ? 'denied: sockets cannot be created (access-denied), names do not resolve (permanent-resolver-failure)'
    : s.mode === 'allow' ? `host, for ${s.rules.map((r) => r.text).join(', ') || 'no destination'} only; dns ${s.dns}` : 'host'),
  build: (plan, imports, all, wit) => buildGeneratedUnit(
    plan.sockets.mode === 'allow' ? allowListSocketsUnit(wit, plan.sockets, imports, all) : nullSocketsUnit(wit, imports, all),
    wit,
  ),
  hostForbidden: (plan) => plan.sockets.mode === 'deny',
};

export const nullHttpTypes: Virtualizer = {
  name: 'null-http-types',
  ids: [HTTP_TYPES_ID],
  virtualizes: (plan) => plan.http.mode === 'deny',
  describe: (plan) => (plan.http.mode === 'deny'
    ? 'none: requests can be built and are denied; no response can exist'
    : 'forwarded to the host (through virt\'s io group when it owns wasi:io)'),
  build: (_, [types], all, wit) => buildGeneratedUnit(nullHttpTypesUnit(wit, types, all), wit),
  hostForbidden: (plan) => plan.http.mode === 'deny',
};

export const http: Virtualizer = {
  name: 'denied-http',
  ids: [OUTGOING_HANDLER_ID],
  virtualizes: (plan) => plan.http.mode !== 'host',
  describe: ({ http: h }) => (h.mode === 'deny'
    ? 'denied: every request returns HTTP-request-denied'
    : h.mode === 'allow' ? `host, for ${h.origins.map((o) => o.text).join(', ') || 'no origin'} only` : 'host'),
  build: (plan, [handler], all, wit) => buildGeneratedUnit(
    plan.http.mode === 'allow' ? allowListHttpUnit(wit, plan.http.origins, handler, all) : deniedHttpUnit(wit, handler, all),
    wit,
  ),
  hostForbidden: (plan) => plan.http.mode === 'deny',
};
