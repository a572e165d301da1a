// Runs a component in-process on preview2-shim. The guest gets no host
// environment, no preopens and only the arguments it is given, unless the
// options grant more.
import { readdir, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import * as cli from '@bytecodealliance/preview2-shim/cli';
import * as clocks from '@bytecodealliance/preview2-shim/clocks';
import * as filesystem from '@bytecodealliance/preview2-shim/filesystem';
import * as http from '@bytecodealliance/preview2-shim/http';
import * as io from '@bytecodealliance/preview2-shim/io';
import * as random from '@bytecodealliance/preview2-shim/random';
import * as sockets from '@bytecodealliance/preview2-shim/sockets';
import { wasmFeatures } from '../binary/wasm-features.js';
import { EXIT_INTERFACE, runToExit, TRAP_EXIT_CODE } from '../bundle/browser-host.js';
import { requireFeatures, translationError } from './engine-features.js';
import { defaultCacheDir, transpiled, transpiledUncached } from './transpile-cache.js';

/** How to run a component. */
export interface RunOptions {
  /** The guest's arguments, argv[0] first. Default: `['app']`. */
  readonly args?: readonly string[];
  /** The guest's environment variables. Default: none. */
  readonly env?: ReadonlyArray<readonly [string, string]>;
  /** The guest's initial cwd. Default: none. */
  readonly cwd?: string;
  /** Host directories the guest sees, by guest path (`{ '/data': './data' }`). Default: none. */
  readonly dirs?: Readonly<Record<string, string>>;
  /** Collect stdout and stderr instead of writing them to this process's. Default: true. */
  readonly capture?: boolean;
  /** Where transpiled components are kept. Default: {@link defaultCacheDir}. */
  readonly cacheDir?: string;
  /** The most the cache may hold; the least recently used entries go first. Default: {@link defaultCacheMaxBytes}. */
  readonly cacheMaxBytes?: number;
  /** Transpile into a temporary folder and keep nothing. */
  readonly noCache?: boolean;
  /** Replaces or adds host interfaces, keyed by unversioned name (`wasi:cli/stdout`). */
  readonly imports?: Readonly<Record<string, unknown>>;
}

export { TRAP_EXIT_CODE };

/** What a run returned. */
export interface RunResult {
  /** The guest's exit code: 0 for `ok`, 1 for `err`, what it passed to `exit`, or 134 when it trapped. */
  readonly exitCode: number;
  /** When the guest trapped: the trap, and the wasm function it happened in (a denial names itself). */
  readonly trap?: string;
  /** What the guest wrote to stdout, as UTF-8 (empty when not captured). */
  readonly stdout: string;
  readonly stderr: string;
}

/** A loaded component, ready to instantiate any number of times. */
export interface LoadedComponent {
  /** `freshGlue`: evaluate jco's glue afresh for this instantiation (see {@link FRESH_GLUE_AFTER_MS}). */
  instantiate(imports: Record<string, unknown>, options?: { readonly freshGlue?: boolean }): Promise<Record<string, unknown>>;
}

type Instantiate = (
  getCoreModule: (path: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (module: WebAssembly.Module, imports: WebAssembly.Imports) => WebAssembly.Instance,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/**
 * Transpiles (once, cached) and loads a component for in-process
 * instantiation. Its core modules are compiled here, once, so that each
 * instantiation is synchronous and compiles nothing.
 */
export async function load(component: Uint8Array, cache: Pick<RunOptions, 'cacheDir' | 'cacheMaxBytes' | 'noCache'> = {}): Promise<LoadedComponent> {
  await requireFeatures(wasmFeatures(component));
  const uncached = cache.noCache ? await transpiledUncached(component).catch(rethrowTranslation) : undefined;
  try {
    return await loadTranspiled(uncached?.entry ?? await transpiled(component, cache.cacheDir ?? defaultCacheDir(), cache.cacheMaxBytes).catch(rethrowTranslation));
  } finally {
    await uncached?.remove();
  }
}

function rethrowTranslation(error: unknown): never {
  throw translationError(error) ?? error;
}

/**
 * jco's glue defines its runtime classes (tasks, subtasks, waitables) inside `instantiate`. A later
 * instantiation from the same evaluation hands every call site objects of new classes, and its inline caches
 * go polymorphic, then megamorphic: a guest that calls between components a million times ran 4 to 5 times
 * slower from its second run on. Evaluating the glue afresh (from one compiled script, whose bytecode is
 * shared) gives an instantiation call sites of its own, for about 2 ms of cold setup. `run` asks for that
 * after a run of FRESH_GLUE_AFTER_MS or more, where those 2 ms cost little; short runs share one evaluation.
 */
export const FRESH_GLUE_AFTER_MS = 50;

// The glue's instantiate, evaluated afresh at each call; undefined for a glue of another shape than jco's
// async instantiation (exports `instantiate` and `_util`, imports nothing), which is imported once as a module.
function glueEvaluator(source: string, entry: string): (() => Instantiate) | undefined {
  const ours = /^export (function instantiate\(|const _util\b)/gm;
  if (/^import\b/m.test(source) || [...source.matchAll(/^export\b/gm)].length !== [...source.matchAll(ours)].length) return undefined;
  const body = source.replace(ours, '$1').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(entry).href));
  const script = new Script(`(function () { "use strict";\n${body}\nreturn instantiate; })`, { filename: entry });
  return () => (script.runInThisContext() as () => Instantiate)();
}

// Loads the glue and compiles every core module, so that nothing on disk is needed after this.
async function loadTranspiled(entry: string): Promise<LoadedComponent> {
  const evaluate = glueEvaluator(await readFile(entry, 'utf8'), entry);
  let instantiate = evaluate ? evaluate() : ((await import(pathToFileURL(entry).href)) as { instantiate: Instantiate }).instantiate;
  const dir = dirname(entry);
  const modules = new Map<string, WebAssembly.Module>();
  for (const file of await readdir(dir)) {
    if (file.endsWith('.wasm')) modules.set(file, await WebAssembly.compile(new Uint8Array(await readFile(join(dir, file)))));
  }
  const getCoreModule = (path: string): WebAssembly.Module => {
    const module = modules.get(path);
    if (!module) throw new Error(`assertion failed: jco's output names a core module \`${path}\` it did not write`);
    return module;
  };
  const instantiateCore = (module: WebAssembly.Module, imports: WebAssembly.Imports) => new WebAssembly.Instance(module, imports);
  return {
    instantiate: async (imports, options) => {
      if (options?.freshGlue && evaluate) instantiate = evaluate();
      return instantiate(getCoreModule, imports, instantiateCore);
    },
  };
}

// preview2-shim's package types describe its browser build; on Node, createFilesystem takes host paths.
const createNodeFilesystem = filesystem.createFilesystem as unknown as (config: {
  preopens: Record<string, string>;
}) => { types: unknown; preopens: unknown };

/** preview2-shim's interfaces, keyed as jco's generated code looks them up. */
export function hostImports(options: Pick<RunOptions, 'args' | 'env' | 'cwd' | 'dirs' | 'imports'> = {}): Record<string, unknown> {
  const env = (options.env ?? []).map(([k, v]) => [k, v]);
  const args = [...(options.args ?? ['app'])];
  // A filesystem namespace of this run's own: preopens never leak between runs.
  const fs = createNodeFilesystem({ preopens: { ...options.dirs } });
  return {
    'wasi:cli/environment': {
      getEnvironment: () => env,
      getArguments: () => args,
      initialCwd: () => options.cwd,
    },
    'wasi:cli/exit': EXIT_INTERFACE,
    'wasi:cli/stdin': cli.stdin,
    'wasi:cli/stdout': cli.stdout,
    'wasi:cli/stderr': cli.stderr,
    'wasi:cli/terminal-input': cli.terminalInput,
    'wasi:cli/terminal-output': cli.terminalOutput,
    'wasi:cli/terminal-stdin': cli.terminalStdin,
    'wasi:cli/terminal-stdout': cli.terminalStdout,
    'wasi:cli/terminal-stderr': cli.terminalStderr,
    'wasi:clocks/monotonic-clock': clocks.monotonicClock,
    'wasi:clocks/wall-clock': clocks.wallClock,
    'wasi:filesystem/preopens': fs.preopens,
    'wasi:filesystem/types': fs.types,
    'wasi:io/error': io.error,
    'wasi:io/poll': io.poll,
    'wasi:io/streams': io.streams,
    'wasi:random/random': random.random,
    'wasi:random/insecure': random.insecure,
    'wasi:random/insecure-seed': random.insecureSeed,
    'wasi:sockets/instance-network': sockets.instanceNetwork,
    'wasi:sockets/ip-name-lookup': sockets.ipNameLookup,
    'wasi:sockets/network': sockets.network,
    'wasi:sockets/tcp-create-socket': sockets.tcpCreateSocket,
    'wasi:sockets/tcp': sockets.tcp,
    'wasi:sockets/udp-create-socket': sockets.udpCreateSocket,
    'wasi:sockets/udp': sockets.udp,
    'wasi:http/types': http.types,
    'wasi:http/outgoing-handler': http.outgoingHandler,
    ...options.imports,
  };
}

type Write = typeof process.stdout.write;

// preview2-shim writes guest stdout/stderr synchronously to process.stdout/stderr.
async function capturing<T>(capture: boolean, body: () => Promise<T>): Promise<[T, string, string]> {
  if (!capture) return [await body(), '', ''];
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const saved: [Write, Write] = [process.stdout.write, process.stderr.write];
  const collector = (into: Buffer[]): Write =>
    ((chunk: string | Uint8Array) => {
      into.push(Buffer.from(chunk));
      return true;
    }) as Write;
  process.stdout.write = collector(out);
  process.stderr.write = collector(err);
  try {
    const result = await body();
    return [result, Buffer.concat(out).toString('utf8'), Buffer.concat(err).toString('utf8')];
  } finally {
    [process.stdout.write, process.stderr.write] = saved;
  }
}

// How long each loaded component's last run took.
const lastRunMs = new WeakMap<LoadedComponent, number>();

/** Timings of one run, in milliseconds. */
export interface RunTimings {
  /** Instantiating the component. */
  readonly instantiate: number;
  /** The guest's `run`. */
  readonly run: number;
}

/**
 * Runs a command component (one that exports `wasi:cli/run`) and returns its
 * exit code and output. Pass a {@link LoadedComponent} to run one many times.
 */
export async function run(component: Uint8Array | LoadedComponent, options: RunOptions = {}): Promise<RunResult & { timings: RunTimings }> {
  const loaded = component instanceof Uint8Array ? await load(component, options) : component;
  const freshGlue = (lastRunMs.get(loaded) ?? 0) >= FRESH_GLUE_AFTER_MS;
  const timings = { instantiate: 0, run: 0 };
  let trap: string | undefined;
  const [exitCode, stdout, stderr] = await capturing(options.capture ?? true, async () => {
    const start = performance.now();
    try {
      const result = await runToExit(() => loaded.instantiate(hostImports(options), { freshGlue }), () => {
        timings.instantiate = performance.now() - start;
      });
      trap = result.trap;
      return result.exitCode;
    } finally {
      timings.run = performance.now() - start - timings.instantiate;
      lastRunMs.set(loaded, timings.run);
    }
  });
  return { exitCode, stdout, stderr, timings, ...(trap ? { trap } : {}) };
}
