// The WASI 0.2 interfaces as a typed model (./wasi-model.ts), and the worlds
// of units written from it at whatever 0.2.x version the app imports:
// versions 0.2.0 to 0.2.12 differ only in their version suffixes.
import { narrowed, typeDef, type Func, type Interface, type Model, type Type, type TypeDef } from './model.js';
import { printInterface } from './model-printer.js';
import { formatInterfaceName, formatVersion, HOST_NAMESPACE, interfaceId, parseInterfaceName, type InterfaceName } from './names.js';
import { loadWasiModel, SHIPPED_VERSION } from './wasi-model.js';

/** The interfaces virt knows: the shipped WASI ones and virt's own, by unversioned id (`wasi:cli/environment`). */
export interface WasiWit {
  readonly interfaces: Model;
}

/**
 * virt's own interface between units: the io group hands the clocks unit
 * pollables of its own type that wait for a virtual deadline, and tells it how
 * far `poll` has moved virtual time (the floor).
 */
export const READY_ID = 'virt:io/ready';
/** The version under which units import and export READY_ID. */
export const READY_VERSION = { major: 0, minor: 1, patch: 0 } as const;

/**
 * virt's interface between the virtual filesystem unit and the io group:
 * `wasi:filesystem/types` with its resources as plain u32 handles, so that the
 * io group, which owns the resource types, calls it with the very same core
 * signatures. Streams on files are handles too; the group wraps them.
 */
export const VFS_ID = 'virt:fs/vfs';

const U32: Type = { kind: 'primitive', name: 'u32' };
const U64: Type = { kind: 'primitive', name: 'u64' };

let loaded: Promise<WasiWit> | undefined;

/** The model of the shipped WASI WIT, with virt's own interfaces: read once a process, as nothing changes it. */
export function loadWasiWit(): Promise<WasiWit> {
  return (loaded ??= readWasiWit());
}

async function readWasiWit(): Promise<WasiWit> {
  const interfaces = new Map<string, Interface>();
  for (const iface of await loadWasiModel()) interfaces.set(idOf(iface.name), iface);
  interfaces.set(READY_ID, {
    name: `${READY_ID}@${formatVersion(READY_VERSION)}`,
    types: [['pollable', { kind: 'use', from: `wasi:io/poll@${SHIPPED_VERSION}`, name: 'pollable' }]],
    functions: [
      ['subscribe-deadline', { params: [['when', U64]], result: { kind: 'own', resource: 'pollable' } }],
      ['time-floor', { params: [], result: U64 }],
    ],
  });
  interfaces.set(VFS_ID, vfsInterface(interfaces));
  return { interfaces };
}

function idOf(fullName: string): string {
  const name = parseInterfaceName(fullName);
  if (!name) throw new Error(`assertion failed: \`${fullName}\` is an interface name`);
  return interfaceId(name);
}

/** The model of an interface, whatever namespace it is named under (`host:io/streams` is wasi:io/streams). */
function interfaceModel(wit: WasiWit, name: InterfaceName): Interface {
  const iface = wit.interfaces.get(interfaceId(name)) ?? wit.interfaces.get(interfaceId({ ...name, namespace: 'wasi' }));
  if (!iface) throw new Error(`assertion failed: virt has no model of \`${interfaceId(name)}\``);
  return iface;
}

// VFS_ID from wasi:filesystem/types: each resource becomes `type r = u32`, each
// method a function whose first parameter is the handle, handles in results are
// u32, the streams a file hands out are u32; then the functions only virt needs.
function vfsInterface(interfaces: ReadonlyMap<string, Interface>): Interface {
  const fs = interfaces.get('wasi:filesystem/types');
  const clock = interfaces.get('wasi:clocks/wall-clock');
  const datetime = clock && typeDef(clock, 'datetime');
  if (!fs || !datetime) throw new Error("assertion failed: jco ships wasi:filesystem/types and wasi:clocks/wall-clock's datetime");
  const handle = (type: Type): Type => {
    switch (type.kind) {
      case 'own':
      case 'borrow': return { kind: 'named', name: type.resource };
      case 'list':
      case 'option': return { ...type, of: handle(type.of) };
      case 'result': return { kind: 'result', ...(type.ok ? { ok: handle(type.ok) } : {}), ...(type.err ? { err: handle(type.err) } : {}) };
      case 'tuple': return { kind: 'tuple', items: type.items.map(handle) };
      default: return type;
    }
  };
  const types: Array<[string, TypeDef]> = [
    ['datetime', datetime], ['input-stream', { kind: 'alias', of: U32 }], ['output-stream', { kind: 'alias', of: U32 }],
    ['stream-error', { kind: 'variant', cases: [['last-operation-failed', U32], ['closed', undefined]] }],
  ];
  for (const [name, def] of fs.types) {
    if (def.kind === 'use') continue;
    types.push([name, def.kind === 'resource' ? { kind: 'alias', of: U32 } : def]);
  }
  const functions: Array<[string, Func]> = fs.functions.flatMap(([name, f]): Array<[string, Func]> => {
    const method = /^\[method\]([a-z0-9-]+)\.(.+)$/.exec(name);
    if (!method) return [];
    const [, resource, fn] = method;
    const params: Array<[string, Type]> = [['handle', { kind: 'named', name: resource }], ...f.params.slice(1).map(([p, t]): [string, Type] => [p, handle(t)])];
    return [[fn, { params, ...(f.result ? { result: handle(f.result) } : {}) }]];
  });
  const named = (name: string): Type => ({ kind: 'named', name });
  const streamResult = (ok?: Type): Type => ({ kind: 'result', ...(ok ? { ok } : {}), err: named('stream-error') });
  functions.push(
    ['drop-descriptor', { params: [['handle', named('descriptor')]] }],
    ['drop-directory-entry-stream', { params: [['handle', named('directory-entry-stream')]] }],
    ['get-directories', { params: [], result: { kind: 'list', of: { kind: 'tuple', items: [named('descriptor'), { kind: 'primitive', name: 'string' }] } } }],
    ['stream-read', { params: [['handle', U32], ['len', U64]], result: streamResult({ kind: 'list', of: { kind: 'primitive', name: 'u8' } }) }],
    ['stream-skip', { params: [['handle', U32], ['len', U64]], result: streamResult(U64) }],
    ['stream-check-write', { params: [['handle', U32]], result: streamResult(U64) }],
    ['stream-write', { params: [['handle', U32], ['contents', { kind: 'list', of: { kind: 'primitive', name: 'u8' } }]], result: streamResult() }],
    ['stream-write-zeroes', { params: [['handle', U32], ['len', U64]], result: streamResult() }],
    ['drop-stream', { params: [['handle', U32]] }],
  );
  return { name: `${VFS_ID}@0.1.0`, types, functions };
}

/** Which functions of an interface to keep; all when omitted. */
export type FunctionFilter = (name: string) => boolean;

/** A world's imports and exports, each an interface and the functions it keeps. */
export interface WorldSpec {
  readonly imports: ReadonlyArray<WorldItem>;
  readonly exports: ReadonlyArray<WorldItem>;
}

/** One interface of a world, with the functions (and, when given, the types) it keeps. */
export interface WorldItem {
  readonly name: InterfaceName;
  readonly keep?: FunctionFilter;
  /** When set, the types to keep: these, and those the kept functions need. */
  readonly types?: ReadonlySet<string>;
  /** A `use` of the interface's own package means `wasi:pkg/x`: the copy shares the app's types. */
  readonly sharedLocalUses?: boolean;
  /** A `use` of another package means its `host:` copy: every type in it is the host's. */
  readonly hostUses?: boolean;
}

/** The name of the world that {@link worldSource} writes. */
export const UNIT_WORLD = 'unit';

/**
 * A self-contained WIT source holding the world `unit` and every interface it
 * names. A `use` of another WASI interface names the version the world holds it
 * at (the app's own), or else the version of the interface that uses it.
 */
export function worldSource(wit: WasiWit, spec: WorldSpec): string {
  const lines = ['package virt:generated;', `world ${UNIT_WORLD} {`];
  for (const { name } of spec.imports) lines.push(`  import ${formatInterfaceName(name)};`);
  for (const { name } of spec.exports) lines.push(`  export ${formatInterfaceName(name)};`);
  lines.push('}');
  const items = [...spec.imports, ...spec.exports];
  const inWorld = new Set(items.map(({ name }) => formatInterfaceName(name)));
  const versions = new Map(items.filter(({ name }) => name.namespace === 'wasi').map(({ name }) => [interfaceId(name), name.version]));
  const heldAt = new Map(items.map(({ name }) => [interfaceId(name), name.version]));
  const model = modelByFullName(wit);
  const packages = new Map<string, string[]>();
  for (const item of items) {
    const { name } = item;
    const target = (from: string): string => {
      const home = parseInterfaceName(from)!;
      const samePackage = home.package === name.package && (name.namespace === 'wasi' || name.namespace === HOST_NAMESPACE);
      const namespace = samePackage ? (item.sharedLocalUses ? 'wasi' : name.namespace) : item.hostUses ? HOST_NAMESPACE : 'wasi';
      const at = (version: InterfaceName['version']) => formatInterfaceName({ ...home, namespace, ...(version ? { version } : {}) });
      if (!samePackage) return at(versions.get(interfaceId({ ...home, namespace: 'wasi' })) ?? name.version);
      // Within a package, the world's own copy wins: an app may hold `streams@0.2.12` beside `poll@0.2.0`.
      return inWorld.has(at(name.version)) ? at(name.version) : at(heldAt.get(interfaceId({ ...home, namespace })) ?? name.version);
    };
    const iface = narrowed(interfaceModel(wit, name), item.keep ?? (() => true), item.types);
    const block = printInterface(iface, name, { target, has: (t) => inWorld.has(t) }, model);
    const pkg = `${name.namespace}:${name.package}${name.version ? `@${formatVersion(name.version)}` : ''}`;
    packages.set(pkg, [...(packages.get(pkg) ?? []), block]);
  }
  for (const [pkg, blocks] of packages) lines.push(`package ${pkg} {`, ...blocks, '}');
  return lines.join('\n') + '\n';
}

// The model keyed as `use` names its homes: by full name at the shipped version.
function modelByFullName(wit: WasiWit): Model {
  return new Map([...wit.interfaces.values()].map((iface) => [iface.name, iface]));
}

/** The index of a case of an enum or variant, as the canonical ABI numbers it. */
export function caseIndex(wit: WasiWit, id: string, typeName: string, caseName: string): number {
  const iface = wit.interfaces.get(id);
  const def = iface && typeDef(iface, typeName);
  const cases = def?.kind === 'enum' ? def.cases : def?.kind === 'variant' ? def.cases.map(([c]) => c) : undefined;
  if (!cases) throw new Error(`assertion failed: no enum or variant \`${typeName}\` in \`${id}\``);
  const index = cases.indexOf(caseName);
  if (index < 0) throw new Error(`assertion failed: \`${typeName}\` has no case \`${caseName}\``);
  return index;
}
