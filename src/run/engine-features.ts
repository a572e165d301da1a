// Whether this JS engine has the Wasm features a component needs, checked
// before jco's glue tries and fails with an engine error and a stack trace.
import { setFlagsFromString } from 'node:v8';
import type { WasmFeature } from '../binary/wasm-features.js';
import { parseWat } from '../jco/jco.js';

/** A component that this engine, or jco's translation of it, cannot run. */
export class EngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

// The smallest module that uses each feature; `flag` is the V8 flag that turns it on where V8 has one.
// Each of these validates on Node 22 and 24 without flags (checked with each probe).
const PROBES: Readonly<Record<WasmFeature, { readonly wat: string; readonly flag?: string }>> = {
  exceptions: { wat: '(module (tag $t) (func (try_table (catch_all 0) (throw $t))))' },
  'multi-memory': { wat: '(module (memory 1) (memory 1))' },
  memory64: { wat: '(module (memory i64 1))', flag: '--experimental-wasm-memory64' },
  threads: { wat: '(module (memory 1 1 shared))' },
  gc: { wat: '(module (type (struct)))', flag: '--experimental-wasm-gc' },
};

async function supported(feature: WasmFeature): Promise<boolean> {
  const probe = new Uint8Array(await parseWat(PROBES[feature].wat));
  if (WebAssembly.validate(probe)) return true;
  const { flag } = PROBES[feature];
  if (!flag) return false;
  setFlagsFromString(flag);
  return WebAssembly.validate(probe);
}

/** Turns on what V8 can turn on, and throws an EngineError naming the first feature this engine lacks. */
export async function requireFeatures(features: readonly WasmFeature[]): Promise<void> {
  for (const feature of features) {
    if (await supported(feature)) continue;
    throw new EngineError(`cannot run this component: it uses the Wasm ${feature} proposal, which this engine (Node ${process.version}) lacks; Node 22 and later have it`);
  }
}

/** jco's translation refuses a proposal it was not built to enable: an EngineError that says so, or undefined for other errors. */
export function translationError(error: unknown): EngineError | undefined {
  const proposal = /([a-z0-9][a-z0-9 -]*?) proposal not enabled/.exec(error instanceof Error ? error.message : String(error))?.[1];
  return proposal === undefined ? undefined : new EngineError(
    `cannot run this component: it uses the Wasm ${proposal} proposal, which jco (the engine of \`virt run\`) cannot translate yet; `
    + 'run it on wasmtime instead',
  );
}
