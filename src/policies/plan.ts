import type { HttpOrigin } from './http-origins.js';
import type { SocketRule } from './socket-rules.js';

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

/**
 * A clock: the host's, denied (every call traps: clocks have no error
 * channel), or virtual: the n-th reading is start + n·step, in nanoseconds.
 */
export type ClockPolicy =
  | { readonly mode: 'host' }
  | { readonly mode: 'deny' }
  | { readonly mode: 'virtual'; readonly startNs: bigint; readonly stepNs: bigint };

/** The clocks section. */
export interface ClocksPlan {
  readonly wall: ClockPolicy;
  readonly monotonic: ClockPolicy;
}

/** Randomness: the host's, denied (traps), or a ChaCha20 stream keyed by a u64 seed. */
export type RandomPolicy = { readonly mode: 'host' } | { readonly mode: 'deny' } | { readonly mode: 'seeded'; readonly seed: bigint };

/** Whether the app may end the run through `wasi:cli/exit`; deny makes `exit` trap. */
export type ExitPolicy = 'allow' | 'deny';

/** What wraps a WASI preview-1 core module: virt's own preview-1 layer, or jco's preview-1 adapter. */
export type Preview1Policy = 'virt' | 'adapter';

/** Outgoing HTTP: denied, the host's, or the host's for listed origins only. */
export type HttpPolicy =
  | { readonly mode: 'deny' }
  | { readonly mode: 'host' }
  | { readonly mode: 'allow'; readonly origins: readonly HttpOrigin[] };

/** Sockets: denied, the host's, or the host's for listed destinations only. */
export type SocketsPolicy =
  | { readonly mode: 'deny' }
  | { readonly mode: 'host' }
  | { readonly mode: 'allow'; readonly rules: readonly SocketRule[]; readonly dns: 'deny' | 'host' };

/** An output stream: the host's, discarded, or closed. */
export type OutputPolicy = 'host' | 'ignore' | 'deny';

/** The standard streams. */
export interface StdioPlan {
  readonly stdin:
    | { readonly mode: 'host' | 'ignore' | 'deny' }
    | { readonly mode: 'text'; readonly data: Uint8Array }
    /** A file to read at build time; `at` is its place in the manifest, for errors. Loading makes it `text`. */
    | { readonly mode: 'file'; readonly path: string; readonly at: readonly [number, number] };
  readonly stdout: OutputPolicy;
  readonly stderr: OutputPolicy;
  /** Whether `wasi:cli/terminal-*` says what the host says, or that no stream is a terminal. */
  readonly terminal: 'none' | 'host';
}

/** A place in the manifest source (start, end offsets), for errors found after reading it. */
export type SourceRange = readonly [number, number];

/** One entry of an embedded tree, as read at build time. */
export type TreeEntry =
  | { readonly kind: 'dir'; readonly mtimeNs: bigint; readonly entries: ReadonlyMap<string, TreeEntry> }
  | { readonly kind: 'file'; readonly mtimeNs: bigint; readonly data: Uint8Array }
  | { readonly kind: 'symlink'; readonly mtimeNs: bigint; readonly target: string };

/** What one mount holds. */
export type MountSource =
  /** A host file or directory to read at build time; loading makes it a `tree`. */
  | {
    readonly kind: 'embed'; readonly path: string; readonly exclude: readonly string[];
    readonly follow: boolean; readonly maxSize: number; readonly at: SourceRange;
  }
  | { readonly kind: 'tree'; readonly root: TreeEntry }
  | { readonly kind: 'file'; readonly data: Uint8Array }
  | { readonly kind: 'symlink'; readonly target: string }
  | { readonly kind: 'memory' }
  /** A host directory at run time: the host's preopen named `path`; changes only with `write`. */
  | { readonly kind: 'host'; readonly path: string; readonly write: boolean };

/** The one relative mount key: a preopen named `.`, as `wasmtime --dir .` gives, outside the `/` tree. */
export const CURRENT_DIR = '.';

/** A guest path (absolute, normalized: `/etc/app.toml`; or CURRENT_DIR) and what it holds. */
export interface Mount {
  readonly path: string;
  readonly source: MountSource;
  /** Where the manifest writes this mount, for errors found once its files are read. */
  readonly at?: SourceRange;
}

/** The filesystem: none at all (no preopens), the host's preopens, or virt's virtual tree. */
export type FilesystemPlan =
  | { readonly mode: 'none' }
  | { readonly mode: 'host' }
  | {
    readonly mode: 'virtual';
    /** Whether embedded content may change during a run (in memory only). */
    readonly writable: boolean;
    /** The most bytes that files changed during a run may hold in memory. */
    readonly memoryLimit: number;
    /** Timestamps: the files' own (inline ones: the build's), or one fixed time in ns since 1970. */
    readonly mtime: 'build' | bigint;
    readonly mounts: readonly Mount[];
  };

/** Everything a manifest decides, defaults resolved. */
export interface Plan {
  readonly env: EnvPlan;
  readonly clocks: ClocksPlan;
  readonly random: RandomPolicy;
  readonly exit: ExitPolicy;
  readonly preview1: Preview1Policy;
  readonly sockets: SocketsPolicy;
  readonly http: HttpPolicy;
  readonly stdio: StdioPlan;
  readonly filesystem: FilesystemPlan;
  /**
   * Who owns wasi:io: the host, or virt's io group. A stdio policy other than
   * host, and the virtual filesystem, need the io group; a build option can
   * also ask for it.
   */
  readonly io: 'host' | 'virt';
}

/** The Plan of an empty manifest: the safe defaults. */
export const DEFAULT_PLAN: Plan = {
  env: { vars: [], host: { mode: 'none' }, args: { mode: 'host' }, cwd: { mode: 'none' } },
  clocks: { wall: { mode: 'host' }, monotonic: { mode: 'host' } },
  random: { mode: 'host' },
  exit: 'allow',
  preview1: 'virt',
  sockets: { mode: 'deny' },
  http: { mode: 'deny' },
  stdio: { stdin: { mode: 'host' }, stdout: 'host', stderr: 'host', terminal: 'host' },
  filesystem: { mode: 'none' },
  io: 'host',
};

/** 2000-01-01T00:00:00Z, where `deterministic: true` starts the wall clock. */
export const DETERMINISTIC_EPOCH_NS = 946_684_800_000_000_000n;

/** What `deterministic: true` changes, before explicit sections override it. */
export const DETERMINISTIC_PLAN: Plan = {
  ...DEFAULT_PLAN,
  clocks: {
    wall: { mode: 'virtual', startNs: DETERMINISTIC_EPOCH_NS, stepNs: 1_000n },
    monotonic: { mode: 'virtual', startNs: 0n, stepNs: 1_000n },
  },
  random: { mode: 'seeded', seed: 0n },
  stdio: { ...DEFAULT_PLAN.stdio, terminal: 'none' },
};
