// The one file that imports jco. Everything else calls these typed wrappers,
// so a change of jco's API touches this file only.
import { readFile } from 'node:fs/promises';

// Each loaded on first use. jco's own entry loads its transpiler and minifier too (90 ms, and 200 ms to a first
// componentWit); its wasm-tools functions are those of jco-transpile's `wasm-tools` entry, which jco re-exports,
// and which alone takes half that. `--help` or a manifest error loads neither.
type WasmTools = typeof import('@bytecodealliance/jco-transpile/wasm-tools');
let tools: Promise<WasmTools> | undefined;
const wasmTools = (): Promise<WasmTools> => (tools ??= import('@bytecodealliance/jco-transpile/wasm-tools'));
let loaded: Promise<typeof import('@bytecodealliance/jco')> | undefined;
const jco = (): Promise<typeof import('@bytecodealliance/jco')> => (loaded ??= import('@bytecodealliance/jco'));

/** Options of {@link componentEmbed}: a core module (or none, for a dummy) and the WIT world it targets. */
export interface EmbedOptions {
  /** The core module to embed the world's type information into. */
  readonly binary?: Uint8Array;
  /** WIT source text that defines `world`. */
  readonly witSource: string;
  /** The world's name. */
  readonly world: string;
  /** Make a dummy core module whose imports and exports are exactly what the world needs. */
  readonly dummy?: boolean;
}

/** Embeds component-type metadata for a world into a core module (jco `componentEmbed`). */
export async function componentEmbed(options: EmbedOptions): Promise<Uint8Array> {
  return (await wasmTools()).componentEmbed({
    binary: options.binary,
    witSource: options.witSource,
    world: options.world,
    dummy: options.dummy ?? false,
  });
}

/** Turns a core module with embedded metadata into a component, with optional preview-1 adapters. */
export async function componentNew(
  binary: Uint8Array,
  adapters?: ReadonlyArray<readonly [string, Uint8Array]>,
): Promise<Uint8Array> {
  return (await wasmTools()).componentNew(binary, adapters ? adapters.map(([name, bytes]) => [name, bytes]) : undefined);
}

/** The WIT world of a component; throws when the component does not validate. */
export async function componentWit(binary: Uint8Array): Promise<string> {
  return (await wasmTools()).componentWit(binary);
}

/** WebAssembly text to binary. */
export async function parseWat(text: string): Promise<Uint8Array> {
  return (await wasmTools()).parse(text);
}

/** Binary to WebAssembly text. */
export async function printWasm(binary: Uint8Array): Promise<string> {
  return (await wasmTools()).print(binary);
}

/** jco's preview-1 command adapter, the bridge from a `wasi_snapshot_preview1` core module to WASI 0.2. */
export async function preview1Adapter(kind: 'command' | 'reactor'): Promise<Uint8Array> {
  // Where jco's preview1AdapterCommandPath() looks, beside its entry, without loading that entry.
  const url = new URL(`../lib/wasi_snapshot_preview1.${kind}.wasm`, import.meta.resolve('@bytecodealliance/jco'));
  return new Uint8Array(await readFile(url));
}

/** The JavaScript files of a transpiled component, by file name. */
export type TranspiledFiles = Record<string, Uint8Array>;

/** How to transpile: see {@link transpile}. */
export interface TranspileOptions {
  /** Copy lists between components with Wasm multi-memory instead of through JS a byte at a time; only hosts that have it can run that. */
  readonly multiMemory?: boolean;
  /** Minify the glue (for pages, where its size is download time). */
  readonly minify?: boolean;
}

/** Transpiles a component to ES modules for instantiation with imports passed in (jco's `instantiation: 'async'`). */
export async function transpile(binary: Uint8Array, name: string, options: TranspileOptions = {}): Promise<TranspiledFiles> {
  const result = await (await jco()).transpile(binary, {
    name, instantiation: 'async', noTypescript: true, quiet: true, multiMemory: options.multiMemory ?? false, minify: options.minify ?? false,
  });
  const files: TranspiledFiles = {};
  for (const [file, bytes] of Object.entries(result.files)) files[file] = bytes as Uint8Array;
  return files;
}
