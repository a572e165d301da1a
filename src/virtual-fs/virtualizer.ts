// The virtualizers of the filesystem and wasi:io: the io group (wasi:io, stdio,
// a virtual or host filesystem, and whatever else hands out io resources while
// it owns them), and the null filesystem of a manifest without a filesystem.
import type { MountSource, Plan } from '../policies/plan.js';
import { ALLOW_LIST_HTTP_METHODS, HTTP_TYPES_ID, OUTGOING_HANDLER_ID } from '../null-sockets/http-unit.js';
import { SOCKETS_IDS } from '../null-sockets/sockets-unit.js';
import { buildGeneratedUnit } from '../units/generated-unit.js';
import { buildUnit, type AppImport } from '../units/unit.js';
import type { Virtualizer } from '../units/virtualizer.js';
import { MONOTONIC_CLOCK_ID, POLL_ID } from '../virtual-env/clocks-unit.js';
import { interfaceId } from '../wit/names.js';
import { IO_GROUP_IDS, ioGroupUnit } from './io-group-unit.js';
import { nullFilesystemInApp, nullFilesystemUnit } from './null-filesystem-unit.js';
import { FILESYSTEM_IDS, FS_PREOPENS_ID, hasHostMounts, vfsUnit } from './vfs-unit.js';

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

export const ioGroup: Virtualizer = {
  name: 'io-group',
  ownsIoTypes: true,
  ids: [...IO_GROUP_IDS, MONOTONIC_CLOCK_ID, HTTP_TYPES_ID, OUTGOING_HANDLER_ID, ...SOCKETS_IDS],
  // Whatever hands out io resources and stays the host's joins the group, forwarded: a host monotonic
  // clock, wasi:http's types (whose streams and pollables are the group's), host http and host sockets.
  virtualizes(plan, id) {
    if (plan.io !== 'virt') return false;
    if (id === MONOTONIC_CLOCK_ID) return plan.clocks.monotonic.mode === 'host';
    if (id === OUTGOING_HANDLER_ID) return plan.http.mode === 'host';
    if (id === HTTP_TYPES_ID) return plan.http.mode !== 'deny';
    if (FILESYSTEM_IDS.includes(id)) return plan.filesystem.mode !== 'none';
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

export const nullFilesystem: Virtualizer = {
  name: 'null-filesystem',
  ids: FILESYSTEM_IDS,
  virtualizes: (plan) => plan.filesystem.mode === 'none',
  describe: (plan) => (plan.filesystem.mode === 'none'
    ? 'none: the app sees no preopens (`filesystem: host` passes the host\'s through)'
    : describeFilesystem(plan)),
  build: (_, imports, all, wit) => buildGeneratedUnit(nullFilesystemUnit(imports, all), wit),
  inApp: (_, imports) => nullFilesystemInApp(imports),
  hostForbidden: (plan) => plan.filesystem.mode === 'none',
};
