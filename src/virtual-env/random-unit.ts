// The random unit: ChaCha20 streams keyed by the manifest's seed, or denied.
import { createHash } from 'node:crypto';
import type { RandomPolicy } from '../policies/plan.js';
import { ConfigBlob } from '../units/config-blob.js';
import { adapterPath, type AppImport, type UnitSpec } from '../units/unit.js';

/** The random interfaces; one unit serves those the app imports. */
export const RANDOM_IDS = ['wasi:random/random', 'wasi:random/insecure', 'wasi:random/insecure-seed'] as const;

const EXPORTS: Readonly<Record<string, ReadonlyArray<[string, string]>>> = {
  random: [['get-random-bytes', 'get_random_bytes'], ['get-random-u64', 'get_random_u64']],
  insecure: [['get-insecure-random-bytes', 'get_insecure_random_bytes'], ['get-insecure-random-u64', 'get_insecure_random_u64']],
  'insecure-seed': [['insecure-seed', 'insecure_seed']],
};

/** The ChaCha20 key of a seed: SHA-256 of `virt-seed-v1:<decimal seed>`. */
export function seedKey(seed: bigint): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`virt-seed-v1:${seed}`).digest());
}

/** The config blob; its layout is documented in ./assembly/random.ts. */
export function randomConfig(random: RandomPolicy): Uint8Array {
  const blob = new ConfigBlob().u32(random.mode === 'deny' ? 1 : 0);
  return blob.raw(random.mode === 'seeded' ? seedKey(random.seed) : new Uint8Array(32)).finish();
}

/** The unit for the random interfaces the app imports. */
export function randomUnit(random: RandomPolicy, imports: readonly AppImport[]): UnitSpec {
  return {
    name: 'random',
    adapter: adapterPath('random'),
    config: randomConfig(random),
    exports: imports.map((app) => ({
      name: app.name,
      functions: new Map((EXPORTS[app.name.interface] ?? []).filter(([fn]) => app.functions.includes(fn))),
    })),
    imports: [],
    denied: new Set(random.mode === 'deny' ? ['random'] : []),
  };
}
