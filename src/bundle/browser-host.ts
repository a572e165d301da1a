// virt's host for the browser: the WASI 0.2 interfaces that a virt output may
// still import once its sandbox is inside it (streams, exit, clocks, random,
// args and env), made fresh for each run. Nothing is global to the page, so
// two bundles, or two runs of one, never share args, env or output.
//
// `virt bundle` ships this file's compiled text as it is, beside the output's
// glue, so it imports nothing and uses only what browsers have.

/** The options of one run of a bundled command. */
export interface BrowserRunOptions {
  /** The guest's arguments, argv[0] first. Default: the bundle's name. */
  readonly args?: readonly string[];
  /** The guest's environment (only what the manifest lets through reaches it). Default: none. */
  readonly env?: Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;
  /** The guest's stdin, as bytes or text. Default: empty. */
  readonly stdin?: Uint8Array | string;
  /** Called with each chunk the guest writes to stdout. Default: console.log, a line at a time. */
  readonly stdout?: (bytes: Uint8Array) => void;
  /** Called with each chunk the guest writes to stderr. Default: console.error, a line at a time. */
  readonly stderr?: (bytes: Uint8Array) => void;
  /** Run jco's glue for engines with Wasm multi-memory. Default: whether this engine has it; false compares the other. */
  readonly multiMemory?: boolean;
}

/** How a run ended. */
export interface BrowserRunResult {
  /** 0 for `ok`, 1 for `err`, what the guest passed to `exit`, or 134 when it trapped. */
  readonly exitCode: number;
  /** When the guest trapped: the trap's message. */
  readonly trap?: string;
}

/** The exit code of a run whose guest trapped, as wasmtime reports one (128 + SIGABRT). */
export const TRAP_EXIT_CODE = 134;

/** A trap's message and, when the stack names one, the wasm function it happened in: a denial names itself. */
export function describeTrap(error: WebAssembly.RuntimeError): string {
  // V8 names the frame's module `wasm://wasm/<hash>` (Node) or by its URL (Chromium), then `wasm-function[i]`.
  const named = /at ([^\s(]+) \([^)]*wasm(?::\/\/|-function\[)/.exec(error.stack ?? '');
  return `${error.message}${named ? ` in \`${named[1]}\`` : ''}`;
}

/** The interfaces this host serves, unversioned; a bundle may import only these, at 0.2.x. */
export const BROWSER_INTERFACES: readonly string[] = [
  'wasi:cli/environment', 'wasi:cli/exit', 'wasi:cli/stdin', 'wasi:cli/stdout', 'wasi:cli/stderr',
  'wasi:cli/terminal-input', 'wasi:cli/terminal-output', 'wasi:cli/terminal-stdin', 'wasi:cli/terminal-stdout',
  'wasi:cli/terminal-stderr', 'wasi:clocks/monotonic-clock', 'wasi:clocks/wall-clock', 'wasi:io/error',
  'wasi:io/poll', 'wasi:io/streams', 'wasi:random/random', 'wasi:random/insecure', 'wasi:random/insecure-seed',
];

/** A module of two memories: it validates only where the engine has Wasm multi-memory. */
export const MULTI_MEMORY_PROBE = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 5, 2, 0, 1, 0, 1);

/** What jco's glue (`instantiation: 'async'`) exports. */
export interface Glue {
  instantiate(
    getCoreModule: (file: string) => Promise<WebAssembly.Module>,
    imports: Record<string, unknown>,
  ): Promise<Record<string, unknown>>;
}

/** Where a bundle's parts come from: files beside it, or strings inside one page. */
export interface BundleParts {
  /** The bundle's name, the default argv[0]. */
  readonly name: string;
  /** The interfaces the output imports, unversioned. */
  readonly interfaces: readonly string[];
  /** The glue for engines with multi-memory, or for those without. */
  glue(multiMemory: boolean): Promise<Glue>;
  /** A core module the glue names, compiled. */
  coreModule(file: string, multiMemory: boolean): Promise<WebAssembly.Module>;
}

class Exit extends Error {
  constructor(readonly code: number) {
    super(`guest exited with ${code}`);
  }
}

/** `wasi:cli/exit` for a host that runs a command to its end: `exit` throws, and {@link runToExit} catches it. */
export const EXIT_INTERFACE = {
  exit: (status: { tag: string }): never => {
    throw new Exit(status.tag === 'ok' ? 0 : 1);
  },
  exitWithCode: (code: number): never => {
    throw new Exit(code);
  },
};

/**
 * Instantiates a command and runs its `wasi:cli/run` to its end, with a host
 * whose exit is {@link EXIT_INTERFACE}: the exit code (1 for `err`), or 134
 * and the trap, wherever they happen. Any other error is thrown.
 */
export async function runToExit(
  instantiate: () => Promise<Record<string, unknown>>,
  instantiated: () => void = () => {},
): Promise<BrowserRunResult> {
  try {
    const exports = await instantiate();
    instantiated();
    const run = Object.entries(exports).find(([name]) => /^wasi:cli\/run@/.test(name))?.[1] as { run(): void } | undefined;
    if (!run) throw new Error('the component exports no `wasi:cli/run`: it is a library, not a command');
    run.run();
    return { exitCode: 0 };
  } catch (error) {
    if (error instanceof Exit) return { exitCode: error.code };
    if (error instanceof Error && error.constructor.name === 'ComponentError') return { exitCode: 1 };
    if (error instanceof WebAssembly.RuntimeError) return { exitCode: TRAP_EXIT_CODE, trap: describeTrap(error) };
    throw error;
  }
}

// WASI's stream error for a stream with nothing more; jco passes a thrown non-Error as the `err` case.
const CLOSED = { tag: 'closed' };

class Pollable {
  // A deadline on performance.now(); -Infinity is always ready.
  constructor(private readonly deadline = -Infinity) {}
  ready(): boolean {
    return performance.now() >= this.deadline;
  }
  // A page has no way to sleep synchronously: waiting is spinning, and only the host clocks ever wait.
  block(): void {
    while (!this.ready());
  }
  get at(): number {
    return this.deadline;
  }
}

const READY = new Pollable();

class InputStream {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
  read(len: bigint): Uint8Array {
    if (this.offset >= this.bytes.length && len > 0n) throw CLOSED;
    const end = Math.min(this.bytes.length, this.offset + Number(len));
    const chunk = this.bytes.slice(this.offset, end);
    this.offset = end;
    return chunk;
  }
  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }
  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }
  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }
  subscribe(): Pollable {
    return READY;
  }
}

class OutputStream {
  constructor(private readonly sink: (bytes: Uint8Array) => void) {}
  checkWrite(): bigint {
    return 1n << 20n;
  }
  write(contents: Uint8Array): void {
    if (contents.length) this.sink(contents);
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents);
  }
  flush(): void {}
  blockingFlush(): void {}
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
  }
  splice(from: InputStream, len: bigint): bigint {
    const bytes = from.read(len);
    this.write(bytes);
    return BigInt(bytes.length);
  }
  blockingSplice(from: InputStream, len: bigint): bigint {
    return this.splice(from, len);
  }
  subscribe(): Pollable {
    return READY;
  }
}

class IoError {
  toDebugString(): string {
    return 'error';
  }
}

class TerminalInput {}
class TerminalOutput {}

// crypto.getRandomValues fills at most 64 KiB a call.
function randomBytes(len: bigint): Uint8Array {
  const bytes = new Uint8Array(Number(len));
  for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

function randomU64(): bigint {
  return crypto.getRandomValues(new BigUint64Array(1))[0]!;
}

// Default output: the console, a line at a time.
function lines(log: (line: string) => void): { sink: (bytes: Uint8Array) => void; end(): void } {
  const decoder = new TextDecoder();
  let pending = '';
  return {
    sink: (bytes) => {
      const text = pending + decoder.decode(bytes, { stream: true });
      const cut = text.lastIndexOf('\n');
      if (cut >= 0) log(text.slice(0, cut));
      pending = text.slice(cut + 1);
    },
    end: () => {
      pending += decoder.decode();
      if (pending) log(pending);
    },
  };
}

function environment(env: BrowserRunOptions['env']): [string, string][] {
  if (!env) return [];
  const entries: ReadonlyArray<readonly [string, string]> = Array.isArray(env) ? env : Object.entries(env);
  return entries.map(([k, v]) => [k, v]);
}

/** The imports of one run: exactly the interfaces named, each serving this run alone. */
export function browserImports(
  interfaces: readonly string[],
  options: BrowserRunOptions & { readonly args: readonly string[] },
  stdout: (bytes: Uint8Array) => void,
  stderr: (bytes: Uint8Array) => void,
): Record<string, unknown> {
  const stdin = typeof options.stdin === 'string' ? new TextEncoder().encode(options.stdin) : options.stdin ?? new Uint8Array();
  const streams = { stdin: new InputStream(stdin), stdout: new OutputStream(stdout), stderr: new OutputStream(stderr) };
  const env = environment(options.env);
  const args = [...options.args];
  const nanoseconds = (): bigint => BigInt(Math.round(performance.now() * 1e6));
  const all: Record<string, unknown> = {
    'wasi:cli/environment': { getEnvironment: () => env, getArguments: () => args, initialCwd: () => undefined },
    'wasi:cli/exit': EXIT_INTERFACE,
    'wasi:cli/stdin': { getStdin: () => streams.stdin },
    'wasi:cli/stdout': { getStdout: () => streams.stdout },
    'wasi:cli/stderr': { getStderr: () => streams.stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
    'wasi:clocks/monotonic-clock': {
      now: nanoseconds,
      resolution: () => 1000n,
      subscribeInstant: (when: bigint) => new Pollable(Number(when) / 1e6),
      subscribeDuration: (duration: bigint) => new Pollable(performance.now() + Number(duration) / 1e6),
    },
    'wasi:clocks/wall-clock': {
      now: () => {
        const ms = Date.now();
        return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1e6 }),
    },
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': {
      Pollable,
      poll: (list: Pollable[]) => {
        if (list.length && !list.some((p) => p.ready())) list.reduce((first, p) => (p.at < first.at ? p : first)).block();
        return Uint32Array.from(list.flatMap((p, i) => (p.ready() ? [i] : [])));
      },
    },
    'wasi:io/streams': { InputStream, OutputStream },
    'wasi:random/random': { getRandomBytes: randomBytes, getRandomU64: randomU64 },
    'wasi:random/insecure': { getInsecureRandomBytes: randomBytes, getInsecureRandomU64: randomU64 },
    'wasi:random/insecure-seed': { insecureSeed: () => [randomU64(), randomU64()] },
  };
  return Object.fromEntries(interfaces.map((name) => [name, all[name]]));
}

/** Whether this engine has Wasm multi-memory, which lets jco's glue copy lists inside Wasm. */
export function hasMultiMemory(): boolean {
  return WebAssembly.validate(MULTI_MEMORY_PROBE);
}

/** A bundle's `run`: instantiates the output afresh for each call, with its own host. */
export function createRunner(parts: BundleParts): (options?: BrowserRunOptions) => Promise<BrowserRunResult> {
  const engine = hasMultiMemory();
  // Compiled once per file and glue: a core module the two glues share is one file.
  const compiled = new Map<string, Promise<WebAssembly.Module>>();
  const coreModule = (multiMemory: boolean) => (file: string): Promise<WebAssembly.Module> => {
    const key = `${multiMemory}:${file}`;
    if (!compiled.has(key)) compiled.set(key, parts.coreModule(file, multiMemory));
    return compiled.get(key)!;
  };
  return async (options = {}) => {
    const multiMemory = options.multiMemory ?? engine;
    const glue = await parts.glue(multiMemory);
    const out = options.stdout ? undefined : lines((line) => console.log(line));
    const err = options.stderr ? undefined : lines((line) => console.error(line));
    const imports = browserImports(parts.interfaces, { ...options, args: options.args ?? [parts.name] },
      options.stdout ?? out!.sink, options.stderr ?? err!.sink);
    try {
      return await runToExit(() => glue.instantiate(coreModule(multiMemory), imports));
    } finally {
      out?.end();
      err?.end();
    }
  };
}
