// The environment unit: what it exports, which host functions the Plan lets it
// call, and its config.
import type { EnvPlan } from '../policies/plan.js';
import { adapterPath, type UnitSpec } from '../units/unit.js';
import { formatInterfaceName, HOST_NAMESPACE, inNamespace, type InterfaceName } from '../wit/names.js';
import { environmentConfig } from './environment-config.js';

/** The interface this unit virtualizes. */
export const ENVIRONMENT_ID = 'wasi:cli/environment';

/** WIT function → the adapter's export. */
const ADAPTER_EXPORTS: ReadonlyArray<[string, string]> = [
  ['get-environment', 'get_environment'],
  ['get-arguments', 'get_arguments'],
  ['initial-cwd', 'initial_cwd'],
];

/** Host functions the Plan passes through. */
export function hostFunctions(env: EnvPlan): Set<string> {
  const functions = new Set<string>();
  if (env.host.mode !== 'none') functions.add('get-environment');
  if (env.args.mode === 'host') functions.add('get-arguments');
  if (env.cwd.mode === 'host') functions.add('initial-cwd');
  return functions;
}

/**
 * The unit spec for an app that imports `name` with `appFunctions`. The unit
 * calls the host only for what the Plan passes through and the app can ask.
 */
export function environmentUnit(env: EnvPlan, name: InterfaceName, appFunctions: readonly string[]): UnitSpec {
  const granted = new Set([...hostFunctions(env)].filter((fn) => appFunctions.includes(fn)));
  return {
    name: 'environment',
    adapter: adapterPath('environment'),
    config: environmentConfig(env),
    exports: [{ name, functions: new Map(ADAPTER_EXPORTS.filter(([fn]) => appFunctions.includes(fn))) }],
    imports: [{
      name: inNamespace(name, HOST_NAMESPACE),
      outer: formatInterfaceName(name),
      adapterModule: 'host-environment',
      functions: granted,
    }],
  };
}
