// Every interface virt can virtualize, with what the Plan makes of it. Later
// capabilities (clocks, random, filesystem, sockets) add entries here.
import type { Plan } from '../policies/plan.js';
import { environmentUnit, ENVIRONMENT_ID, hostFunctions } from '../virtual-env/environment-unit.js';
import type { InterfaceName } from '../wit/names.js';
import type { UnitSpec } from './unit.js';

/** One virtualizable interface. */
export interface Virtualizer {
  /** The unversioned interface id: `wasi:cli/environment`. */
  readonly id: string;
  /** The effective policy, in a line. */
  describe(plan: Plan): string;
  /** The unit for an app that imports `name` with `appFunctions`. */
  unit(plan: Plan, name: InterfaceName, appFunctions: readonly string[]): UnitSpec;
  /** Whether the Plan forbids the output to import this interface from the host. */
  hostForbidden(plan: Plan): boolean;
}

function list(values: readonly string[]): string {
  return values.length ? values.map((v) => JSON.stringify(v)).join(', ') : 'none';
}

const environment: Virtualizer = {
  id: ENVIRONMENT_ID,
  describe({ env }) {
    const host = env.host.mode === 'allow' || env.host.mode === 'deny' ? `${env.host.mode} ${list(env.host.patterns)}` : env.host.mode;
    const args = env.args.mode === 'host' ? 'host' : list(env.args.values);
    const cwd = env.cwd.mode === 'fixed' ? JSON.stringify(env.cwd.path) : env.cwd.mode;
    return `vars ${list(env.vars.map(([k]) => k))}; host vars ${host}; args ${args}; cwd ${cwd}`;
  },
  unit: (plan, name, appFunctions) => environmentUnit(plan.env, name, appFunctions),
  hostForbidden: (plan) => hostFunctions(plan.env).size === 0,
};

/** The virtualizers, by interface id. */
export const VIRTUALIZERS: ReadonlyMap<string, Virtualizer> = new Map([[environment.id, environment]]);
