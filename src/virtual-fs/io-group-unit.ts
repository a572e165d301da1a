// The io group: a generated unit that owns wasi:io (error, poll, streams) and
// re-exports every interface the app imports that hands out io resources
// (stdin/stdout/stderr, filesystem, a host monotonic clock), forwarding each
// call to the host. It is the ground the virtual filesystem and the stdio
// policies stand on: they will answer some calls themselves instead of
// forwarding. Until then it changes nothing the app sees.
import { forwardBody, hostCopies, keepForwardingImport } from '../units/forwarding.js';
import type { GeneratedUnitSpec } from '../units/generated-unit.js';
import type { AppImport } from '../units/unit.js';
import { AbiLayouts } from '../wit/abi-layout.js';
import type { WasiWit } from '../wit/wasi-wit.js';
import { interfaceOf, mirrorExports } from '../null-sockets/sockets-unit.js';

/** The interfaces the io group always owns when the app imports them. */
export const IO_GROUP_IDS = [
  'wasi:io/error', 'wasi:io/poll', 'wasi:io/streams',
  'wasi:cli/stdin', 'wasi:cli/stdout', 'wasi:cli/stderr',
  'wasi:filesystem/types', 'wasi:filesystem/preopens',
] as const;

/** The io group's unit for the app's imports it takes over. */
export function ioGroupUnit(wit: WasiWit, imports: readonly AppImport[]): GeneratedUnitSpec {
  const abi = new AbiLayouts(wit);
  const owned = new Set(imports.map((app) => `${app.name.namespace}:${app.name.package}/${app.name.interface}`));
  return {
    name: 'io-group',
    exports: mirrorExports(imports),
    imports: hostCopies(imports).map((copy) => ({ ...copy, hostUses: true })),
    keepImport: keepForwardingImport,
    body(func, coreName, core) {
      if (func.endsWith('_post')) return { instructions: [] };
      return forwardBody({ abi, core, coreName, func, id: interfaceOf(coreName), ownsResourcesOf: (home) => owned.has(home) });
    },
  };
}
