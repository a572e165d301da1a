// A schema-valid manifest → the Plan, with every default filled in.
import type { ManifestValue } from './manifest.js';
import { DEFAULT_PLAN, type CwdPolicy, type HostEnvPolicy, type Plan } from './plan.js';

function hostPolicy(host: NonNullable<ManifestValue['env']>['host']): HostEnvPolicy {
  if (host === undefined) return DEFAULT_PLAN.env.host;
  if (host === 'none' || host === 'all') return { mode: host };
  return 'allow' in host ? { mode: 'allow', patterns: host.allow } : { mode: 'deny', patterns: host.deny };
}

function cwdPolicy(cwd: string | undefined): CwdPolicy {
  if (cwd === undefined) return DEFAULT_PLAN.env.cwd;
  if (cwd === 'none' || cwd === 'host') return { mode: cwd };
  return { mode: 'fixed', path: cwd };
}

/** Fills in the defaults of a manifest that passed the schema. */
export function resolvePlan(manifest: ManifestValue): Plan {
  const env = manifest.env ?? {};
  return {
    env: {
      vars: Object.entries(env.vars ?? {}),
      host: hostPolicy(env.host),
      args: env.args === undefined || env.args === 'host' ? { mode: 'host' } : { mode: 'fixed', values: env.args },
      cwd: cwdPolicy(env.cwd),
    },
  };
}
