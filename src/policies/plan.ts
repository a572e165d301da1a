// The Plan: a validated manifest with every default filled in. Every stage
// after the manifest reads this, never the YAML.

/** Which of the host's environment variables the app may see. */
export type HostEnvPolicy =
  | { readonly mode: 'none' }
  | { readonly mode: 'all' }
  | { readonly mode: 'allow'; readonly patterns: readonly string[] }
  | { readonly mode: 'deny'; readonly patterns: readonly string[] };

/** The app's arguments: the host's, or a fixed list (argv[0] first). */
export type ArgsPolicy = { readonly mode: 'host' } | { readonly mode: 'fixed'; readonly values: readonly string[] };

/** The app's initial working directory. */
export type CwdPolicy = { readonly mode: 'none' } | { readonly mode: 'host' } | { readonly mode: 'fixed'; readonly path: string };

/** The environment section. */
export interface EnvPlan {
  /** Fixed variables, in manifest order; they come first and win over host variables of the same name. */
  readonly vars: ReadonlyArray<readonly [string, string]>;
  readonly host: HostEnvPolicy;
  readonly args: ArgsPolicy;
  readonly cwd: CwdPolicy;
}

/** Everything a manifest decides, defaults resolved. */
export interface Plan {
  readonly env: EnvPlan;
}

/** The Plan of an empty manifest: the safe defaults. */
export const DEFAULT_PLAN: Plan = {
  env: { vars: [], host: { mode: 'none' }, args: { mode: 'host' }, cwd: { mode: 'none' } },
};
