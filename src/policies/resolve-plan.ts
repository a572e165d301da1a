// A schema-valid manifest → the Plan, with every default filled in. Values the
// schema cannot check (durations, timestamps, u64 seeds) are checked here and
// reported by key path, so that the caller can point at their line.
import type { ClockValue, ManifestValue, MountValue, Segment } from './manifest.js';
import {
  CURRENT_DIR, DEFAULT_PLAN, DETERMINISTIC_EPOCH_NS, DETERMINISTIC_PLAN,
  type ClockPolicy, type CwdPolicy, type HostEnvPolicy, type Plan, type RandomPolicy, type SocketsPolicy, type HttpPolicy, type StdioPlan,
  type FilesystemPlan, type Mount, type MountSource,
} from './plan.js';
import picomatch from 'picomatch';
import { printable, shorten } from './diagnostics.js';
import { parseOrigin } from './http-origins.js';
import { parseSocketRule } from './socket-rules.js';
import { parseDuration, parseTimestamp, U64_MAX } from './time-values.js';

/** How resolvePlan reports a bad value and reads a scalar's exact source text. */
export interface ResolveContext {
  report(path: readonly Segment[], message: string): void;
  sourceText(path: readonly Segment[]): string;
  rangeOf(path: readonly Segment[]): [number, number];
}

function hostPolicy(host: NonNullable<ManifestValue['env']>['host'], base: HostEnvPolicy): HostEnvPolicy {
  if (host === undefined) return base;
  if (host === 'none' || host === 'all') return { mode: host };
  return 'allow' in host ? { mode: 'allow', patterns: host.allow } : { mode: 'deny', patterns: host.deny };
}

function cwdPolicy(cwd: string | undefined, base: CwdPolicy): CwdPolicy {
  if (cwd === undefined) return base;
  if (cwd === 'none' || cwd === 'host') return { mode: cwd };
  return { mode: 'fixed', path: cwd };
}

function duration(value: string | number | undefined, fallback: bigint, path: Segment[], ctx: ResolveContext): bigint {
  if (value === undefined) return fallback;
  const ns = value === 0 ? 0n : typeof value === 'string' ? parseDuration(value) : undefined;
  if (ns === undefined) ctx.report(path, `bad duration \`${value}\`: write a whole number and a unit, such as \`250ms\`, \`1s\`, \`1us\` or \`10ns\``);
  return ns ?? 0n;
}

function clockPolicy(value: ClockValue | undefined, base: ClockPolicy, kind: 'wall' | 'monotonic', ctx: ResolveContext): ClockPolicy {
  if (value === undefined) return base;
  if (value === 'host' || value === 'deny') return { mode: value };
  const path = ['clocks', kind];
  const stepNs = duration(value.step, 1_000n, [...path, 'step'], ctx);
  if (kind === 'monotonic') return { mode: 'virtual', startNs: duration(value.start, 0n, [...path, 'start'], ctx), stepNs };
  if (value.start === undefined) return { mode: 'virtual', startNs: DETERMINISTIC_EPOCH_NS, stepNs };
  const startNs = parseTimestamp(value.start);
  if (startNs === undefined) {
    ctx.report([...path, 'start'], `bad timestamp \`${value.start}\`: write an RFC 3339 time from 1970 on, such as \`2024-01-01T00:00:00Z\``);
  }
  return { mode: 'virtual', startNs: startNs ?? 0n, stepNs };
}

function randomPolicy(random: ManifestValue['random'], base: RandomPolicy, ctx: ResolveContext): RandomPolicy {
  if (random === undefined) return base;
  if (random.mode !== 'seeded') {
    if (random.seed !== undefined) ctx.report(['random', 'seed'], `\`random.seed\` applies only with \`mode: seeded\``);
    return { mode: random.mode };
  }
  if (random.seed === undefined) {
    ctx.report(['random'], '`random.mode: seeded` needs a `seed` (any integer from 0 to 18446744073709551615)');
    return { mode: 'seeded', seed: 0n };
  }
  // YAML reads large integers as floats: take the digits from the source itself.
  const text = ctx.sourceText(['random', 'seed']).trim().replace(/^["']|["']$/g, '');
  const seed = /^\d+$/.test(text) ? BigInt(text) : undefined;
  if (seed === undefined || seed > U64_MAX) {
    ctx.report(['random', 'seed'], `bad seed \`${text}\`: it must be an integer from 0 to 18446744073709551615`);
  }
  return { mode: 'seeded', seed: seed !== undefined && seed <= U64_MAX ? seed : 0n };
}

// An allow-list's entries, parsed one by one; a bad entry is reported at its index.
function allowList<T>(entries: readonly string[], parse: (text: string) => T | string, path: Segment[], ctx: ResolveContext): T[] {
  const parsed: T[] = [];
  entries.forEach((text, i) => {
    const entry = parse(text);
    if (typeof entry === 'string') ctx.report([...path, i], entry);
    else parsed.push(entry);
  });
  return parsed;
}

function socketsPolicy(sockets: ManifestValue['sockets'], base: SocketsPolicy, ctx: ResolveContext): SocketsPolicy {
  if (sockets === undefined) return base;
  if (sockets === 'deny' || sockets === 'host') return { mode: sockets };
  return { mode: 'allow', rules: allowList(sockets.allow, parseSocketRule, ['sockets', 'allow'], ctx), dns: sockets.dns ?? 'deny' };
}

function httpPolicy(http: ManifestValue['http'], base: HttpPolicy, ctx: ResolveContext): HttpPolicy {
  if (http === undefined) return base;
  if (http === 'deny' || http === 'host') return { mode: http };
  return { mode: 'allow', origins: allowList(http.allow, parseOrigin, ['http', 'allow'], ctx) };
}

/** How much memory files changed during a run may take, unless `filesystem.memory_limit` says otherwise. */
export const DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024;
// The unit's 32-bit memory holds the files, and briefly a grown copy of one: 1 GiB leaves room for both.
const MAX_MEMORY_LIMIT = 1024 * 1024 * 1024;

/** How much one `embed` may hold unless its `max_size` says otherwise. */
export const DEFAULT_MAX_EMBED = 64 * 1024 * 1024;

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 };

function byteSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = /^\s*(\d+)\s*([KMG]i?B|B)?\s*$/.exec(value);
  return m ? Number(m[1]) * SIZE_UNITS[m[2] ?? ''] : undefined;
}

// `/etc//app.toml/` → `/etc/app.toml`; or why the key is no guest path.
function guestPath(key: string): string | { readonly bad: string } {
  if (key === CURRENT_DIR) return key;
  const parts = key.split('/').filter(Boolean);
  if (parts.some((p) => p === '.' || p === '..')) return { bad: '`.` and `..` are not allowed in a mount\'s path' };
  if (key.includes('\0')) return { bad: 'a NUL byte is not allowed in a path' };
  const long = parts.find((p) => Buffer.byteLength(p) > MAX_NAME_BYTES);
  if (long) return { bad: `a name of ${Buffer.byteLength(long)} bytes; a name is at most ${MAX_NAME_BYTES}` };
  return `/${parts.join('/')}`;
}

/** The longest file name, in bytes, as Linux and WASI hosts allow. */
const MAX_NAME_BYTES = 255;

// picomatch turns a glob it cannot read (`[z-a]`, `{a,`) into a pattern that matches nothing, silently.
const NEVER_MATCHES = String(picomatch.makeRe('[z-a]'));

function mountSource(value: MountValue, path: Segment[], ctx: ResolveContext): MountSource {
  if ('embed' in value) {
    if (value.embed === '') ctx.report([...path, 'embed'], '`embed` needs a path: `./dist`, or `.` for the manifest\'s own directory');
    (value.exclude ?? []).forEach((glob, i) => {
      if (String(picomatch.makeRe(glob)) === NEVER_MATCHES) {
        ctx.report([...path, 'exclude', i], `the glob \`${glob}\` can never match: check its \`[...]\` ranges and \`{...}\` braces`);
      }
    });
    const maxSize = value.max_size === undefined ? DEFAULT_MAX_EMBED : byteSize(value.max_size);
    if (maxSize === undefined) ctx.report([...path, 'max_size'], `bad size \`${value.max_size}\`: write bytes, or a number and a unit such as \`256MiB\``);
    return {
      kind: 'embed', path: value.embed, exclude: value.exclude ?? [], follow: value.follow ?? false,
      maxSize: maxSize ?? DEFAULT_MAX_EMBED, at: ctx.rangeOf([...path, 'embed']),
    };
  }
  if ('text' in value) return { kind: 'file', data: new TextEncoder().encode(value.text) };
  if ('base64' in value) {
    if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value.base64)) {
      ctx.report([...path, 'base64'], 'bad base64: use the letters A-Z a-z 0-9 + /, with = only as padding');
    }
    return { kind: 'file', data: new Uint8Array(Buffer.from(value.base64, 'base64')) };
  }
  if ('symlink' in value) {
    if (value.symlink.length === 0) ctx.report([...path, 'symlink'], 'a symlink needs a target');
    return { kind: 'symlink', target: value.symlink };
  }
  if ('memory' in value) return { kind: 'memory' };
  if (!value.host.startsWith('/')) ctx.report([...path, 'host'], `a host mount names the host's preopen by its absolute path, such as \`/srv/data\`, not \`${value.host}\``);
  return { kind: 'host', path: value.host, write: value.write ?? false };
}

// `deterministic: true` fixes the files' times too, so that two builds of the same tree are the same bytes.
function filesystemPolicy(fs: ManifestValue['filesystem'], base: FilesystemPlan, deterministic: boolean, ctx: ResolveContext): FilesystemPlan {
  if (fs === undefined) return base;
  if (fs === 'host') return { mode: 'host' };
  let mtime: 'build' | bigint = deterministic && fs.mtime === undefined ? DETERMINISTIC_EPOCH_NS : 'build';
  if (fs.mtime !== undefined && fs.mtime !== 'build') {
    const ns = parseTimestamp(fs.mtime);
    if (ns === undefined) ctx.report(['filesystem', 'mtime'], `bad mtime \`${fs.mtime}\`: write \`build\` or an RFC 3339 time such as \`2000-01-01T00:00:00Z\``);
    mtime = ns ?? 0n;
  }
  const mounts: Mount[] = [];
  const leaves = new Map<string, string>(); // guest paths that hold a file or symlink: nothing mounts below them
  const hosts = new Map<string, string>(); // guest paths of host mounts: their contents are the host's
  const keyOf = new Map<string, string>(); // guest path → the key that mounts it
  for (const [key, value] of Object.entries(fs.mounts)) {
    const at: Segment[] = ['filesystem', 'mounts', key];
    const path = guestPath(key);
    if (typeof path !== 'string') {
      ctx.report(at, `bad guest path \`${shorten(printable(key))}\`: ${path.bad}`);
      continue;
    }
    keyOf.set(path, key);
    const clash = mounts.find((m) => m.path === path);
    if (clash) ctx.report(at, `\`${key}\` is mounted twice`);
    const source = mountSource(value, at, ctx);
    if (path === '/' && source.kind !== 'embed' && source.kind !== 'memory') ctx.report(at, '`/` must be a directory: `embed` one, or use `memory: {}`');
    if (path === CURRENT_DIR && (source.kind === 'file' || source.kind === 'symlink')) {
      ctx.report(at, '`.` is a preopen, so it must be a directory: `embed` one, use `memory: {}`, or a `host` directory');
    }
    if (source.kind === 'file' || source.kind === 'symlink') leaves.set(path, key);
    if (source.kind === 'host') hosts.set(path, key);
    mounts.push({ path, source, at: ctx.rangeOf(at) });
  }
  for (const { path } of mounts) {
    for (const [leaf, key] of leaves) {
      if (path.startsWith(`${leaf}/`)) ctx.report(['filesystem', 'mounts', key], `\`${key}\` is a file or symlink, but \`${path}\` is mounted inside it`);
    }
    for (const [host, key] of hosts) {
      if (path.startsWith(host === '/' ? '/' : `${host}/`) && path !== host) {
        ctx.report(['filesystem', 'mounts', keyOf.get(path)!], `\`${path}\` is inside the host mount \`${key}\`, whose contents are the host's: mount it beside it instead`);
      }
    }
  }
  if (mounts.length === 0 && Object.keys(fs.mounts).length === 0) ctx.report(['filesystem', 'mounts'], 'the virtual filesystem needs at least one mount');
  // Parents before children, so that a nested mount lands inside what holds it.
  mounts.sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  let memoryLimit = DEFAULT_MEMORY_LIMIT;
  if (fs.memory_limit !== undefined) {
    const bytes = byteSize(fs.memory_limit);
    if (bytes === undefined || bytes > MAX_MEMORY_LIMIT) {
      ctx.report(['filesystem', 'memory_limit'], `bad memory_limit \`${fs.memory_limit}\`: write bytes, or a size such as \`64MiB\`, up to 1GiB`);
    } else memoryLimit = bytes;
  }
  return { mode: 'virtual', writable: fs.writable ?? false, memoryLimit, mtime, mounts };
}

/** Whether a stream virt answers, or the virtual filesystem, needs virt's io group (the other need is a virtual clock's sleeps). */
export function streamsOrFilesNeedIo(stdio: Pick<StdioPlan, 'stdin' | 'stdout' | 'stderr'>, filesystem: FilesystemPlan): boolean {
  return stdio.stdin.mode !== 'host' || stdio.stdout !== 'host' || stdio.stderr !== 'host' || filesystem.mode === 'virtual';
}

/** Fills in the defaults of a manifest that passed the schema; reports values it cannot use. */
export function resolvePlan(manifest: ManifestValue, ctx: ResolveContext): Plan {
  const base = manifest.deterministic ? DETERMINISTIC_PLAN : DEFAULT_PLAN;
  const stdin = manifest.stdio?.stdin;
  const stdio: StdioPlan = {
    stdin: stdin === undefined ? base.stdio.stdin
      : typeof stdin === 'string' ? { mode: stdin }
      : 'text' in stdin ? { mode: 'text', data: new TextEncoder().encode(stdin.text) }
      : { mode: 'file', path: stdin.file, at: ctx.rangeOf(['stdio', 'stdin', 'file']) },
    stdout: manifest.stdio?.stdout ?? base.stdio.stdout,
    stderr: manifest.stdio?.stderr ?? base.stdio.stderr,
    terminal: base.stdio.terminal,
  };
  // A stream virt answers is never a terminal; the host's answer would be about another stream.
  const virtualStream = stdio.stdin.mode !== 'host' || stdio.stdout !== 'host' || stdio.stderr !== 'host';
  const terminal = manifest.stdio?.terminal ?? (virtualStream ? 'none' : base.stdio.terminal);
  if (terminal === 'host' && virtualStream) {
    ctx.report(['stdio', 'terminal'], '`stdio.terminal: host` needs every stream at `host`: a stream virt answers is never a terminal');
  }
  const env = manifest.env ?? {};
  const filesystem = filesystemPolicy(manifest.filesystem, base.filesystem, manifest.deterministic === true, ctx);
  const clocks = {
    wall: clockPolicy(manifest.clocks?.wall, base.clocks.wall, 'wall', ctx),
    monotonic: clockPolicy(manifest.clocks?.monotonic, base.clocks.monotonic, 'monotonic', ctx),
  };
  // A virtual clock's sleeps are deadlines that only virt's io group can hold: the host's poll never sees them.
  const virtualIo = streamsOrFilesNeedIo(stdio, filesystem) || clocks.monotonic.mode === 'virtual';
  return {
    env: {
      vars: Object.entries(env.vars ?? {}),
      host: hostPolicy(env.host, base.env.host),
      args: env.args === undefined ? base.env.args : env.args === 'host' ? { mode: 'host' } : { mode: 'fixed', values: env.args },
      cwd: cwdPolicy(env.cwd, base.env.cwd),
    },
    clocks,
    random: randomPolicy(manifest.random, base.random, ctx),
    exit: manifest.exit ?? base.exit,
    preview1: manifest.preview1 ?? base.preview1,
    sockets: socketsPolicy(manifest.sockets, base.sockets, ctx),
    http: httpPolicy(manifest.http, base.http, ctx),
    stdio: { ...stdio, terminal },
    filesystem,
    io: virtualIo ? 'virt' : base.io,
  };
}
