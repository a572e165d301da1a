// Every group of interfaces virt can virtualize, with what the Plan makes of
// it. One unit serves a group; the io group brings the virtual filesystem's
// unit in just before its own.
import type { ClockPolicy, MountSource, Plan } from '../policies/plan.js';
import { clocksUnit, MONOTONIC_CLOCK_ID, POLL_ID, WALL_CLOCK_ID } from '../virtual-env/clocks-unit.js';
import { environmentUnit, ENVIRONMENT_ID, hostFunctions } from '../virtual-env/environment-unit.js';
import { EXIT_ID, exitUnit } from '../virtual-env/exit-unit.js';
import { RANDOM_IDS, randomUnit } from '../virtual-env/random-unit.js';
import { ALLOW_LIST_HTTP_METHODS, allowListHttpUnit, deniedHttpUnit, HTTP_TYPES_ID, OUTGOING_HANDLER_ID } from '../null-sockets/http-unit.js';
import { allowListSocketsUnit } from '../null-sockets/allow-list-unit.js';
import { nullSocketsUnit, SOCKETS_IDS } from '../null-sockets/sockets-unit.js';
import { interfaceId } from '../wit/names.js';
import type { WasiWit } from '../wit/wasi-wit.js';
import { IO_GROUP_IDS, ioGroupUnit } from '../virtual-fs/io-group-unit.js';
import { FILESYSTEM_IDS, FS_PREOPENS_ID, hasHostMounts, vfsUnit } from '../virtual-fs/vfs-unit.js';
import { buildGeneratedUnit } from './generated-unit.js';
import { buildUnit, type AppImport, type BuiltUnit } from './unit.js';

/** One group of interfaces that one unit virtualizes. */
export interface Virtualizer {
  /** The unit's name, for messages: `environment`. */
  readonly name: string;
  /** The unversioned interface ids of the group: `wasi:cli/environment`. */
  readonly ids: readonly string[];
  /** Whether the Plan virtualizes this interface (rather than leave it to the host). */
  virtualizes(plan: Plan, id: string): boolean;
  /** The effective policy of one interface, in a line. */
  describe(plan: Plan, id: string): string;
  /** Builds the unit for the app's imports of this group that the Plan virtualizes; `all` holds every app import, by id. */
  build(plan: Plan, imports: readonly AppImport[], all: ReadonlyMap<string, AppImport>, wit: WasiWit): Promise<BuiltUnit>;
  /** Whether the Plan forbids the output to import this interface from the host. */
  hostForbidden(plan: Plan, id: string): boolean;
  /** Whether the unit owns wasi:io's resource types (the io group), and so serves one version of each interface. */
  readonly ownsIoTypes?: boolean;
  /** A unit that this one's unit calls, built and composed just before it (the io group's virtual filesystem). */
  before?(plan: Plan, all: ReadonlyMap<string, AppImport>, wit: WasiWit): Promise<BuiltUnit | undefined>;
}

function list(values: readonly string[]): string {
  return values.length ? values.map((v) => JSON.stringify(v)).join(', ') : 'none';
}

function byId(imports: readonly AppImport[], id: string): AppImport | undefined {
  return imports.find((i) => interfaceId(i.name) === id);
}

const environment: Virtualizer = {
  name: 'environment',
  ids: [ENVIRONMENT_ID],
  virtualizes: () => true,
  describe({ env }) {
    const host = env.host.mode === 'allow' || env.host.mode === 'deny' ? `${env.host.mode} ${list(env.host.patterns)}` : env.host.mode;
    const args = env.args.mode === 'host' ? 'host' : list(env.args.values);
    const cwd = env.cwd.mode === 'fixed' ? JSON.stringify(env.cwd.path) : env.cwd.mode;
    return `vars ${list(env.vars.map(([k]) => k))}; host vars ${host}; args ${args}; cwd ${cwd}`;
  },
  build: (plan, [app], _, wit) => buildUnit(environmentUnit(plan.env, app.name, app.functions), wit),
  hostForbidden: (plan) => hostFunctions(plan.env).size === 0,
};

const NS_PER_SECOND = 1_000_000_000n;

function clockOf(plan: Plan, id: string): ClockPolicy {
  return id === WALL_CLOCK_ID ? plan.clocks.wall : plan.clocks.monotonic;
}

function describeClock(clock: ClockPolicy, id: string): string {
  if (clock.mode !== 'virtual') return clock.mode === 'deny' ? 'denied: every call traps' : 'host';
  const start = id === WALL_CLOCK_ID
    ? new Date(Number(clock.startNs / 1_000_000n)).toISOString()
    : `${clock.startNs / NS_PER_SECOND}s + ${clock.startNs % NS_PER_SECOND}ns`;
  const sleeps = id === WALL_CLOCK_ID ? 'moves with virtual sleeps' : 'sleeps return at once and move it past their deadline';
  return `virtual: starts at ${start}, steps ${clock.stepNs}ns per reading; ${sleeps}`;
}

const clocks: Virtualizer = {
  name: 'clocks',
  ids: [WALL_CLOCK_ID, MONOTONIC_CLOCK_ID],
  virtualizes: (plan, id) => clockOf(plan, id).mode !== 'host',
  describe: (plan, id) => describeClock(clockOf(plan, id), id),
  build: (plan, imports, all, wit) =>
    buildUnit(clocksUnit(plan.clocks, byId(imports, WALL_CLOCK_ID), byId(imports, MONOTONIC_CLOCK_ID), all.get(POLL_ID), plan.io === 'virt'), wit),
  // A virtual monotonic clock takes ready pollables from the host, unless virt's io group owns wasi:io.
  hostForbidden: (plan, id) => clockOf(plan, id).mode === 'deny' || (clockOf(plan, id).mode === 'virtual' && (id === WALL_CLOCK_ID || plan.io === 'virt')),
};

const random: Virtualizer = {
  name: 'random',
  ids: RANDOM_IDS,
  virtualizes: (plan) => plan.random.mode !== 'host',
  describe: ({ random: r }) => (r.mode === 'seeded' ? `seeded ChaCha20 streams (seed ${r.seed})` : r.mode === 'deny' ? 'denied: every call traps' : 'host'),
  build: (plan, imports, _, wit) => buildUnit(randomUnit(plan.random, imports), wit),
  hostForbidden: (plan) => plan.random.mode !== 'host',
};

const exit: Virtualizer = {
  name: 'exit',
  ids: [EXIT_ID],
  virtualizes: (plan) => plan.exit === 'deny',
  describe: (plan) => (plan.exit === 'deny' ? 'denied: `exit` traps' : 'host'),
  build: (_, [app], __, wit) => buildUnit(exitUnit(app), wit),
  hostForbidden: (plan) => plan.exit === 'deny',
};

const sockets: Virtualizer = {
  name: 'null-sockets',
  ids: SOCKETS_IDS,
  virtualizes: (plan) => plan.sockets.mode !== 'host',
  describe: ({ sockets: s }) => (s.mode === 'deny'
    ? 'denied: sockets cannot be created (access-denied), names do not resolve (permanent-resolver-failure)'
    : s.mode === 'allow' ? `host, for ${s.rules.map((r) => r.text).join(', ') || 'no destination'} only; dns ${s.dns}` : 'host'),
  build: (plan, imports, all, wit) => buildGeneratedUnit(
    plan.sockets.mode === 'allow' ? allowListSocketsUnit(wit, plan.sockets, imports, all) : nullSocketsUnit(wit, imports, all),
    wit,
  ),
  hostForbidden: (plan) => plan.sockets.mode === 'deny',
};

const http: Virtualizer = {
  name: 'denied-http',
  ids: [OUTGOING_HANDLER_ID],
  virtualizes: (plan) => plan.http.mode !== 'host',
  describe: ({ http: h }) => (h.mode === 'deny'
    ? 'denied: every request returns HTTP-request-denied'
    : h.mode === 'allow' ? `host, for ${h.origins.map((o) => o.text).join(', ') || 'no origin'} only` : 'host'),
  build: (plan, [handler], all, wit) => buildGeneratedUnit(
    plan.http.mode === 'allow' ? allowListHttpUnit(wit, plan.http.origins, handler, all) : deniedHttpUnit(wit, handler, all),
    wit,
  ),
  hostForbidden: (plan) => plan.http.mode === 'deny',
};

// Whether the app gets virt's virtual filesystem: the Plan has one, and the app can reach it.
function virtualFs(plan: Plan, all: ReadonlyMap<string, AppImport>): boolean {
  return plan.filesystem.mode === 'virtual' && all.has(FS_PREOPENS_ID);
}

function describeFilesystem(plan: Plan): string {
  if (plan.filesystem.mode !== 'virtual') return "forwarded to the host through virt's io group";
  const what = (source: MountSource): string => (source.kind === 'host'
    ? `host ${source.path}, ${source.write ? 'writable' : 'read-only'}`
    : { tree: 'embedded', embed: 'embedded', file: 'file', symlink: 'symlink', memory: 'in-memory dir' }[source.kind]);
  const mounts = plan.filesystem.mounts.map((m) => `${m.path} (${what(m.source)})`).join(', ');
  return `virtual, ${plan.filesystem.writable ? 'writable (in-memory overlay)' : 'read-only except in-memory dirs'}: ${mounts}`;
}

// The Plan's mode for a standard stream's interface; any other interface is the host's.
function streamMode(plan: Plan, id: string): 'host' | 'ignore' | 'deny' | 'text' {
  const stream = /^wasi:cli\/(stdin|stdout|stderr)$/.exec(id)?.[1];
  if (stream === 'stdin') return plan.stdio.stdin.mode === 'file' ? 'text' : plan.stdio.stdin.mode;
  return stream === 'stdout' || stream === 'stderr' ? plan.stdio[stream] : 'host';
}

const ioGroup: Virtualizer = {
  name: 'io-group',
  ownsIoTypes: true,
  ids: [...IO_GROUP_IDS, MONOTONIC_CLOCK_ID, HTTP_TYPES_ID, OUTGOING_HANDLER_ID, ...SOCKETS_IDS],
  // Whatever hands out io resources and stays the host's joins the group, forwarded: a host monotonic
  // clock, wasi:http's types (whose streams and pollables are the group's), host http and host sockets.
  virtualizes(plan, id) {
    if (plan.io !== 'virt') return false;
    if (id === MONOTONIC_CLOCK_ID) return plan.clocks.monotonic.mode === 'host';
    if (id === OUTGOING_HANDLER_ID) return plan.http.mode === 'host';
    if ((SOCKETS_IDS as readonly string[]).includes(id)) return plan.sockets.mode === 'host';
    return true;
  },
  describe(plan, id) {
    if (FILESYSTEM_IDS.includes(id)) return describeFilesystem(plan);
    const what = {
      host: "forwarded to the host through virt's io group",
      ignore: id === 'wasi:cli/stdin' ? 'ignored: reads end at once' : 'ignored: writes are discarded',
      deny: 'denied: every call answers closed',
      text: 'fixed text from the manifest',
    };
    return what[streamMode(plan, id)];
  },
  build(plan, imports, all, wit) {
    // An allow-list unit forwards to the host what it lets through: behind the group, it forwards to the
    // group, which forwards to the host, wrapping streams and pollables as the group's. The group then
    // also serves what the allow-list asks of the app's HTTP types.
    const behindAllowLists = [
      ...(plan.sockets.mode === 'allow' ? SOCKETS_IDS : []),
      ...(plan.http.mode === 'allow' ? [OUTGOING_HANDLER_ID] : []),
    ].flatMap((id) => all.get(id) ?? []);
    const served = [...imports, ...behindAllowLists].map((app) => (interfaceId(app.name) === HTTP_TYPES_ID && plan.http.mode === 'allow'
      ? { ...app, functions: [...new Set([...app.functions, ...ALLOW_LIST_HTTP_METHODS])] }
      : app));
    // A virtual monotonic clock's sleeps get their ready pollables from the io group.
    const subscribes = all.get(MONOTONIC_CLOCK_ID)?.functions.some((fn) => fn.startsWith('subscribe-')) ?? false;
    const ready = subscribes && plan.clocks.monotonic.mode === 'virtual' ? all.get(POLL_ID) : undefined;
    return buildGeneratedUnit(ioGroupUnit(wit, served, plan.stdio, ready !== undefined, virtualFs(plan, all)), wit);
  },
  before: async (plan, all, wit) => (virtualFs(plan, all) && plan.filesystem.mode === 'virtual' ? buildUnit(vfsUnit(plan.filesystem, wit, all), wit) : undefined),
  hostForbidden: (plan, id) => streamMode(plan, id) !== 'host' || (FILESYSTEM_IDS.includes(id) && plan.filesystem.mode === 'virtual' && !hasHostMounts(plan.filesystem)),
};

/** Every virtualizer; where two could serve an interface, the first that the Plan enables does. */
export const VIRTUALIZERS: readonly Virtualizer[] = [ioGroup, environment, clocks, random, exit, sockets, http];

/** The virtualizer that owns an interface id, whatever the Plan says. */
export function virtualizerOf(id: string): Virtualizer | undefined {
  return VIRTUALIZERS.find((v) => v.ids.includes(id) && v !== ioGroup) ?? (ioGroup.ids.includes(id) ? ioGroup : undefined);
}

/** The virtualizer that serves an interface id under `plan`, if any does. */
export function virtualizerFor(plan: Plan, id: string): Virtualizer | undefined {
  return VIRTUALIZERS.find((v) => v.ids.includes(id) && v.virtualizes(plan, id));
}
