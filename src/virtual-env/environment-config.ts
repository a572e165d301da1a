// Writes the environment unit's config blob. The format is documented at the
// top of ./assembly/environment.ts, which reads it; keep the two in step.
import type { EnvPlan } from '../policies/plan.js';
import { ConfigBlob } from '../units/config-blob.js';

const HOST_MODES = { none: 0, all: 1, allow: 2, deny: 3 } as const;
const CWD_MODES = { none: 0, host: 1, fixed: 2 } as const;

/** The config blob of the environment unit for `env`. */
export function environmentConfig(env: EnvPlan): Uint8Array {
  const blob = new ConfigBlob();
  blob.u32(HOST_MODES[env.host.mode]);
  const patterns = env.host.mode === 'allow' || env.host.mode === 'deny' ? env.host.patterns : [];
  blob.u32(patterns.length);
  for (const pattern of patterns) blob.text(pattern);
  blob.u32(env.vars.length);
  for (const [key, value] of env.vars) blob.text(key).text(value);
  blob.u32(env.args.mode === 'host' ? 0 : 1);
  const args = env.args.mode === 'fixed' ? env.args.values : [];
  blob.u32(args.length);
  for (const arg of args) blob.text(arg);
  blob.u32(CWD_MODES[env.cwd.mode]);
  if (env.cwd.mode === 'fixed') blob.text(env.cwd.path);
  return blob.finish();
}
