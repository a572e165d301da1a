// A schema-valid manifest → the Plan, with every default filled in. Values the
// schema cannot check (durations, timestamps, u64 seeds) are checked here and
// reported by key path, so that the caller can point at their line.
import type { ClockValue, ManifestValue, Segment } from './manifest.js';
import {
  DEFAULT_PLAN, DETERMINISTIC_EPOCH_NS, DETERMINISTIC_PLAN,
  type ClockPolicy, type CwdPolicy, type HostEnvPolicy, type Plan, type RandomPolicy, type SocketsPolicy, type HttpPolicy, type StdioPlan,
} from './plan.js';
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
  };
  const env = manifest.env ?? {};
  return {
    env: {
      vars: Object.entries(env.vars ?? {}),
      host: hostPolicy(env.host, base.env.host),
      args: env.args === undefined ? base.env.args : env.args === 'host' ? { mode: 'host' } : { mode: 'fixed', values: env.args },
      cwd: cwdPolicy(env.cwd, base.env.cwd),
    },
    clocks: {
      wall: clockPolicy(manifest.clocks?.wall, base.clocks.wall, 'wall', ctx),
      monotonic: clockPolicy(manifest.clocks?.monotonic, base.clocks.monotonic, 'monotonic', ctx),
    },
    random: randomPolicy(manifest.random, base.random, ctx),
    exit: manifest.exit ?? base.exit,
    sockets: socketsPolicy(manifest.sockets, base.sockets, ctx),
    http: httpPolicy(manifest.http, base.http, ctx),
    stdio,
    io: stdio.stdin.mode !== 'host' || stdio.stdout !== 'host' || stdio.stderr !== 'host' ? 'virt' : base.io,
  };
}
