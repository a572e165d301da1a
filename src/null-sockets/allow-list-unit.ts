// Allow-listed sockets: the unit wraps the host's sockets, forwarding every
// call, but bind, connect and send to an address outside the list return
// `access-denied`, and name lookups need `dns: host`.
//
// Everything else forwards (src/units/forwarding.ts): the unit's resources
// hold the host's handles.
import type { SocketRule } from '../policies/socket-rules.js';
import { FORWARDING_HELPERS, forwardBody, hostCopies, keepForwardingImport } from '../units/forwarding.js';
import type { GeneratedUnitSpec } from '../units/generated-unit.js';
import type { AppImport } from '../units/unit.js';
import { AbiLayouts } from '../wit/abi-layout.js';
import { caseIndex, type WasiWit } from '../wit/wasi-wit.js';
import { interfaceOf, IO_IDS, mirrorExports, returnError, sharedTypes } from './sockets-unit.js';

const ALLOWED = '$virt-address-allowed';

// ip-socket-address flattened: disc, then 11 values (ipv4: port, a, b, c, d; ipv6: port, flow-info, 8 segments, scope-id).
function ruleCheck(rule: SocketRule): string[] {
  const port = rule.port === '*' ? [] : ['local.get 1', `i32.const ${rule.port}`, 'i32.eq', 'i32.and'];
  const match: string[] = ['i32.const 1'];
  if (rule.family === 'ipv4') {
    const mask = rule.prefix === 0 ? 0 : (0xffffffff << (32 - rule.prefix)) >>> 0;
    const address = rule.address.reduce((a, b) => a * 256 + b, 0);
    match.push(
      'local.get 2', 'i32.const 24', 'i32.shl', 'local.get 3', 'i32.const 16', 'i32.shl', 'i32.or',
      'local.get 4', 'i32.const 8', 'i32.shl', 'i32.or', 'local.get 5', 'i32.or',
      `i32.const ${mask | 0}`, 'i32.and', `i32.const ${(address & mask) | 0}`, 'i32.eq', 'i32.and',
    );
  } else {
    for (let i = 0; i < 8; i++) {
      const bits = Math.max(0, Math.min(16, rule.prefix - 16 * i));
      if (bits === 0) continue;
      const mask = (0xffff << (16 - bits)) & 0xffff;
      match.push(`local.get ${3 + i}`, `i32.const ${mask}`, 'i32.and', `i32.const ${rule.address[i] & mask}`, 'i32.eq', 'i32.and');
    }
  }
  return [
    'local.get 0', `i32.const ${rule.family === 'ipv4' ? 0 : 1}`, 'i32.eq',
    'if', ...match, ...port, 'if', 'i32.const 1', 'return', 'end', 'end',
  ];
}

function allowedHelper(rules: readonly SocketRule[]): string {
  const params = Array.from({ length: 12 }, () => 'i32').join(' ');
  const body = [...rules.flatMap(ruleCheck), 'i32.const 0'];
  return `  (func ${ALLOWED} (param ${params}) (result i32)\n    ${body.join('\n    ')}\n  )`;
}

// Checks the flattened address at locals first..first+11; denies with `denial` if it is not allowed.
function checkAddress(first: number, denial: readonly string[]): string[] {
  const args = Array.from({ length: 12 }, (_, i) => `local.get ${first + i}`);
  return [...args, `call ${ALLOWED}`, 'i32.eqz', 'if', ...denial, 'return', 'end'];
}

// Checks the destination of each outgoing-datagram in the list at local `ptr` (`len` of them), walking
// with local `scratch`; all offsets come from the canonical ABI layout of the WIT types.
function checkDatagrams(abi: AbiLayouts, ptr: number, len: number, scratch: number, denial: readonly string[]): string[] {
  const [udp, network] = ['wasi:sockets/udp', 'wasi:sockets/network'];
  const size = abi.layout(udp, 'outgoing-datagram').size;
  const remote = abi.fieldOffsets(udp, 'outgoing-datagram').get('remote-address')!; // option tag
  const address = remote + abi.variant(udp, 'option<ip-socket-address>').payloadOffset; // ip-socket-address case
  const payload = address + abi.variant(network, 'ip-socket-address').payloadOffset;
  const v4 = abi.fieldOffsets(network, 'ipv4-socket-address');
  const v6 = abi.fieldOffsets(network, 'ipv6-socket-address');
  const at = (offset: number, load: string): string[] => [`local.get ${scratch}`, `${load} offset=${offset}`];
  const ipv4 = [
    ...at(payload + v4.get('port')!, 'i32.load16_u'),
    ...[0, 1, 2, 3].flatMap((i) => at(payload + v4.get('address')! + i, 'i32.load8_u')),
    ...Array.from({ length: 6 }, () => 'i32.const 0'),
  ];
  const ipv6 = [
    ...at(payload + v6.get('port')!, 'i32.load16_u'),
    ...at(payload + v6.get('flow-info')!, 'i32.load'),
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => at(payload + v6.get('address')! + 2 * i, 'i32.load16_u')),
    ...at(payload + v6.get('scope-id')!, 'i32.load'),
  ];
  return [
    `local.get ${ptr}`, `local.set ${scratch}`,
    'block', 'loop',
    `local.get ${len}`, 'i32.eqz', 'br_if 1',
    ...at(remote, 'i32.load8_u'),
    'if',
    ...at(address, 'i32.load8_u'), 'i32.eqz',
    'if (result i32)', 'i32.const 0', ...ipv4, `call ${ALLOWED}`, 'else', 'i32.const 1', ...ipv6, `call ${ALLOWED}`, 'end',
    'i32.eqz', 'if', ...denial, 'return', 'end',
    'end',
    `local.get ${scratch}`, `i32.const ${size}`, 'i32.add', `local.set ${scratch}`,
    `local.get ${len}`, 'i32.const 1', 'i32.sub', `local.set ${len}`,
    'br 0', 'end', 'end',
  ];
}

/** The unit that forwards the app's sockets imports to the host for listed destinations only. */
export function allowListSocketsUnit(
  wit: WasiWit,
  policy: { readonly rules: readonly SocketRule[]; readonly dns: 'deny' | 'host' },
  imports: readonly AppImport[],
  all: ReadonlyMap<string, AppImport>,
): GeneratedUnitSpec {
  const code = (name: string): number => caseIndex(wit, 'wasi:sockets/network', 'error-code', name);
  const abi = new AbiLayouts(wit);
  return {
    name: 'allow-list-sockets',
    exports: mirrorExports(imports),
    imports: [...sharedTypes(all, IO_IDS), ...hostCopies(imports)],
    keepImport: keepForwardingImport,
    helpers: [...FORWARDING_HELPERS, allowedHelper(policy.rules)],
    body(func, coreName, core) {
      if (func.endsWith('_post')) return { instructions: [] };
      const call = { abi, core, coreName, func, id: interfaceOf(coreName), ownsResourcesOf: (home: string) => home.startsWith('wasi:sockets/') };
      if (func.endsWith('_dtor')) return forwardBody(call);
      const deny = (error: string): string[] => returnError(abi, call.id, func, code(error));
      const checks: string[] = [];
      switch (func) {
        case '[method]tcp-socket.start-bind':
        case '[method]tcp-socket.start-connect':
        case '[method]udp-socket.start-bind':
          checks.push(...checkAddress(2, deny('access-denied')));
          break;
        case '[method]udp-socket.stream':
          checks.push('local.get 1', 'if', ...checkAddress(2, deny('access-denied')), 'end');
          break;
        case '[method]outgoing-datagram-stream.send':
          // Parameters (self, ptr, len); locals 3 and 4 walk the list.
          checks.push('local.get 2', 'local.set 4', ...checkDatagrams(abi, 1, 4, 3, deny('access-denied')));
          break;
        case 'resolve-addresses':
          if (policy.dns === 'deny') return { name: 'dns-denied-by-manifest', instructions: deny('permanent-resolver-failure') };
          break;
      }
      return {
        ...(func === '[method]outgoing-datagram-stream.send' ? { locals: ['i32', 'i32'] } : {}),
        instructions: [...checks, ...forwardBody(call).instructions],
      };
    },
  };
}
