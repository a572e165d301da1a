// The WASI 0.2 WIT that jco ships, cut into interfaces so that virt can write
// the world of a unit at whatever 0.2.x version the app imports. Versions
// 0.2.0 to 0.2.12 differ only in their version suffixes.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { formatVersion, formatInterfaceName, HOST_NAMESPACE, interfaceId, type InterfaceName } from './names.js';

/** The interfaces of the shipped WASI WIT, by unversioned id (`wasi:cli/environment`). */
export interface WasiWit {
  readonly interfaces: ReadonlyMap<string, readonly string[]>;
}

const SHIPPED_VERSION = '0.2.12';

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

/** Reads jco's shipped WASI 0.2 WIT. */
export async function loadWasiWit(): Promise<WasiWit> {
  const jcoRoot = dirname(dirname(createRequire(import.meta.url).resolve('@bytecodealliance/jco')));
  const root = join(jcoRoot, 'lib', 'wit', 'builtin', SHIPPED_VERSION);
  const interfaces = new Map<string, string[]>();
  for (const dir of await readdir(root)) {
    const text = await readFile(join(root, dir, 'package.wit'), 'utf8');
    const pkg = /^package (wasi:[a-z-]+)@/m.exec(text);
    if (!pkg) throw new Error(`assertion failed: no package line in jco's ${dir}/package.wit`);
    for (const [name, body] of topLevelBlocks(stripComments(text), 'interface')) {
      // virt serves stable WASI 0.2: feature-gated items are left out.
      interfaces.set(`${pkg[1]}/${name}`, splitItems(body).filter((item) => !item.startsWith('@unstable')));
    }
  }
  interfaces.set(READY_ID, [
    `use wasi:io/poll@${SHIPPED_VERSION}.{pollable};`,
    'subscribe-deadline: func(when: u64) -> pollable;',
    'time-floor: func() -> u64;',
  ]);
  interfaces.set(VFS_ID, vfsItems(interfaces));
  return { interfaces };
}

// Builds VFS_ID's items from wasi:filesystem/types: each resource becomes
// `type r = u32`, each method a function whose first parameter is the handle,
// and stream results are u32 handles; then the functions that only virt needs.
function vfsItems(interfaces: ReadonlyMap<string, readonly string[]>): string[] {
  const types = interfaces.get('wasi:filesystem/types');
  const datetime = interfaces.get('wasi:clocks/wall-clock')?.find((item) => item.startsWith('record datetime'));
  if (!types || !datetime) throw new Error("assertion failed: jco ships wasi:filesystem/types and wasi:clocks/wall-clock's datetime");
  const items = [datetime, 'type input-stream = u32;', 'type output-stream = u32;', 'variant stream-error { last-operation-failed(u32), closed }'];
  for (const item of types) {
    if (item.startsWith('use ') || /^[a-z-]+:\s*func/.test(item)) continue;
    const resource = /^resource ([a-z0-9-]+)\s*\{([\s\S]*)\}$/.exec(item);
    if (!resource) {
      items.push(item);
      continue;
    }
    items.push(`type ${resource[1]} = u32;`);
    for (const member of resource[2].split(';').map((m) => m.trim()).filter(Boolean)) {
      const method = /^%?([a-z0-9-]+):\s*func\(([\s\S]*?)\)(\s*->[\s\S]*)?$/.exec(member);
      if (!method) throw new Error(`assertion failed: unexpected member of \`${resource[1]}\`: ${member}`);
      const params = method[2].trim().replace(/,$/, '').replace(/borrow<([a-z-]+)>/g, '$1');
      items.push(`${method[1]}: func(handle: ${resource[1]}${params ? `, ${params}` : ''})${method[3] ?? ''};`);
    }
  }
  return [
    ...items,
    'drop-descriptor: func(handle: descriptor);',
    'drop-directory-entry-stream: func(handle: directory-entry-stream);',
    'get-directories: func() -> list<tuple<descriptor, string>>;',
    'stream-read: func(handle: u32, len: u64) -> result<list<u8>, stream-error>;',
    'stream-skip: func(handle: u32, len: u64) -> result<u64, stream-error>;',
    'stream-check-write: func(handle: u32) -> result<u64, stream-error>;',
    'stream-write: func(handle: u32, contents: list<u8>) -> result<_, stream-error>;',
    'stream-write-zeroes: func(handle: u32, len: u64) -> result<_, stream-error>;',
    'drop-stream: func(handle: u32);',
  ];
}

function stripComments(text: string): string {
  return text.replace(/\/\/[^\n]*/g, '');
}

function topLevelBlocks(text: string, keyword: string): Array<[string, string]> {
  const blocks: Array<[string, string]> = [];
  const header = new RegExp(`^${keyword} ([a-z0-9-]+) \\{`, 'gm');
  for (let m = header.exec(text); m; m = header.exec(text)) {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; depth > 0; i++) depth += text[i] === '{' ? 1 : text[i] === '}' ? -1 : 0;
    blocks.push([m[1], text.slice(m.index + m[0].length, i - 1)]);
  }
  return blocks;
}

// Items end with `;` at depth 0, or with the `}` that closes a record, resource,
// variant, ... (a `}` followed by `;`, as in `use x.{a};`, ends at the `;`).
function splitItems(body: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    const closesBlock = c === '}' && depth === 0 && !/^\s*;/.test(body.slice(i + 1));
    if ((c === ';' && depth === 0) || closesBlock) {
      items.push(body.slice(start, i + 1).trim());
      start = i + 1;
    }
  }
  return items.filter((item) => item.length > 0);
}

function functionName(item: string): string | undefined {
  return /^([a-z0-9-]+):\s*func\b/.exec(item)?.[1];
}

/** Which functions of an interface to keep; all when omitted. */
export type FunctionFilter = (name: string) => boolean;

/**
 * One interface block as WIT text, with only the functions `keep` accepts.
 * Its `use` of other WASI interfaces points at the `wasi:` interface of the
 * version `uses` gives (the app's own), or else of `name`'s version: a unit's
 * host copy shares those types with the app. A `use` that no kept item needs
 * is dropped.
 */
function interfaceBlock(
  wit: WasiWit,
  name: InterfaceName,
  uses: ReadonlyMap<string, InterfaceName>,
  keep?: FunctionFilter,
  types?: ReadonlySet<string>,
  usesNamespace = 'wasi',
): string {
  const wasiId = interfaceId({ ...name, namespace: 'wasi' });
  const items = wit.interfaces.get(interfaceId(name)) ?? wit.interfaces.get(wasiId);
  if (!items) throw new Error(`assertion failed: jco ships no WIT for \`${wasiId}\``);
  const withFunctions = items
    .filter((item) => {
      const fn = functionName(item);
      return fn === undefined || !keep || keep(fn);
    })
    .map((item) => (keep ? keepResourceFunctions(item, keep) : item));
  const kept = types ? neededTypes(withFunctions, types) : withFunctions;
  const others = kept.filter((item) => !item.startsWith('use ')).join('\n');
  const referenced = (local: string): boolean => new RegExp(`(?<![\\w-])${local}(?![\\w-])`).test(others);
  const body = kept
    .flatMap((item) => (item.startsWith('use ') ? keepUsedNames(item, referenced) : [item]))
    .flatMap((item) => inlinePrimitiveUses(wit, item))
    .map((item) =>
      item.replace(/use wasi:([a-z-]+\/[a-z-]+)@\d+\.\d+\.\d+/g, (_, id: string) => {
        const used = uses.get(`wasi:${id}`) ?? name;
        return `use ${usesNamespace}:${id}${versionSuffix(used)}`;
      }),
    )
    .join('\n    ');
  return `  interface ${name.interface} {\n    ${body}\n  }`;
}

const TYPE_ITEM = /^(?:record|variant|enum|flags|resource|type) %?([a-z0-9-]+)/;
const WORD = /%?([a-z][a-z0-9]*(?:-[a-z0-9]+)*)/g;

// The items less the type definitions that neither `declared` names nor any kept item
// needs, however indirectly. A type the app does not declare may use an interface it
// does not import (udp's `incoming-datagram` uses network's `ip-socket-address`).
function neededTypes(items: readonly string[], declared: ReadonlySet<string>): string[] {
  const typeName = (item: string): string | undefined => TYPE_ITEM.exec(item)?.[1];
  const needed = new Set(declared);
  const pending = items.filter((item) => typeName(item) === undefined || declared.has(typeName(item)!));
  while (pending.length > 0) {
    for (const [, word] of pending.pop()!.matchAll(WORD)) {
      if (needed.has(word)) continue;
      needed.add(word);
      pending.push(...items.filter((item) => typeName(item) === word));
    }
  }
  return items.filter((item) => typeName(item) === undefined || needed.has(typeName(item)!));
}

// Inside `resource r { ... }`, keeps the constructor, methods and static
// functions whose canonical names (`[constructor]r`, `[method]r.f`,
// `[static]r.f`) `keep` accepts; feature-gated ones go too.
function keepResourceFunctions(item: string, keep: FunctionFilter): string {
  const m = /^resource ([a-z0-9-]+)\s*\{([\s\S]*)\}$/.exec(item);
  if (!m) return item;
  const members = m[2].split(';').map((member) => member.trim()).filter((member) => member && !member.startsWith('@unstable'));
  const kept = members.filter((member) => {
    if (member.startsWith('constructor')) return keep(`[constructor]${m[1]}`);
    const fn = /^%?([a-z0-9-]+):\s*(static\s+)?func\b/.exec(member);
    return fn ? keep(`[${fn[2] ? 'static' : 'method'}]${m[1]}.${fn[1]}`) : true;
  });
  return kept.length ? `resource ${m[1]} {\n      ${kept.join(';\n      ')};\n    }` : `resource ${m[1]};`;
}

const PRIMITIVE = /^(u8|u16|u32|u64|s8|s16|s32|s64|f32|f64|bool|char|string)$/;

// `use wasi:clocks/monotonic-clock.{duration}` where `type duration = u64`
// becomes `type duration = u64;`, and a record of primitives (wall-clock's
// `datetime`) is written out in place: the same structural type, without
// importing the interface only for a name.
function inlinePrimitiveUses(wit: WasiWit, item: string): string[] {
  const m = /^use (wasi:[a-z-]+\/[a-z-]+)@[\d.]+\.\{/.exec(item);
  const home = m ? wit.interfaces.get(m[1]) : undefined;
  if (!home) return [item];
  const aliases = new Map<string, string>();
  for (const other of home) {
    const alias = /^type ([a-z0-9-]+) = ([a-z0-9]+);$/.exec(other);
    if (alias && PRIMITIVE.test(alias[2])) aliases.set(alias[1], `type ${alias[1]} = ${alias[2]};`);
    const record = /^record ([a-z0-9-]+) \{([^{}]*)\}$/.exec(other);
    const fields = record?.[2].split(',').map((f) => f.trim()).filter(Boolean) ?? [];
    if (record && fields.every((f) => PRIMITIVE.test(f.slice(f.indexOf(':') + 1).trim()))) aliases.set(record[1], other);
  }
  const names = useNames(item);
  const rest = names.filter((n) => !aliases.has(n.name));
  // An inlined type takes the name the `use` gives it (`{error as io-error}`).
  const inlined = names.filter((n) => aliases.has(n.name)).map((n) => aliases.get(n.name)!.replace(new RegExp(`^(type|record) ${n.name}\\b`), `$1 ${n.local}`));
  if (rest.length === names.length) return [item];
  return [...(rest.length ? [writeUse(item, rest)] : []), ...inlined];
}

// A `use` with only the names that `referenced` accepts, or none when it accepts none.
function keepUsedNames(item: string, referenced: (local: string) => boolean): string[] {
  const names = useNames(item).filter(({ local }) => referenced(local));
  return names.length ? [writeUse(item, names)] : [];
}

// The `use` item with `names` in its braces.
function writeUse(item: string, names: ReadonlyArray<{ name: string; local: string }>): string {
  return item.replace(/\.\{[^}]*\}/, `.{${names.map((n) => (n.local === n.name ? n.name : `${n.name} as ${n.local}`)).join(', ')}}`);
}

// The names a `use` brings in: each type's name in its home interface, and the name it has here.
function useNames(item: string): Array<{ name: string; local: string }> {
  return (/\.\{([^}]*)\}/.exec(item)?.[1] ?? '').split(',').map((n) => n.trim().split(/\s+/)).filter(([name]) => name)
    .map(([name, as, local]) => ({ name, local: as === 'as' && local ? local : name }));
}

function versionSuffix(name: InterfaceName): string {
  return name.version ? `@${formatVersion(name.version)}` : '';
}

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
  /** `use x.{...}` of the interface's own package means `wasi:pkg/x`: the copy shares the app's types. */
  readonly sharedLocalUses?: boolean;
  /** `use wasi:pkg/x` of other packages means `host:pkg/x`: a host copy whose types are all the host's. */
  readonly hostUses?: boolean;
}

/** The name of the world that {@link worldSource} writes. */
export const UNIT_WORLD = 'unit';

/** A self-contained WIT source holding the world `unit` and every interface it names. */
export function worldSource(wit: WasiWit, spec: WorldSpec): string {
  const lines = ['package virt:generated;', `world ${UNIT_WORLD} {`];
  for (const { name } of spec.imports) lines.push(`  import ${formatInterfaceName(name)};`);
  for (const { name } of spec.exports) lines.push(`  export ${formatInterfaceName(name)};`);
  lines.push('}');
  const items = [...spec.imports, ...spec.exports];
  const uses = new Map(items.filter(({ name }) => name.namespace === 'wasi').map(({ name }) => [interfaceId(name), name]));
  const packages = new Map<string, string[]>();
  for (const { name, keep, types, sharedLocalUses, hostUses } of items) {
    const pkg = `${name.namespace}:${name.package}${versionSuffix(name)}`;
    let block = interfaceBlock(wit, name, uses, keep, types, hostUses ? HOST_NAMESPACE : 'wasi');
    if (sharedLocalUses) block = block.replace(/use ([a-z-]+)\.\{/g, `use wasi:${name.package}/$1${versionSuffix(name)}.{`);
    packages.set(pkg, [...(packages.get(pkg) ?? []), block]);
  }
  for (const [pkg, blocks] of packages) lines.push(`package ${pkg} {`, ...blocks, '}');
  return lines.join('\n') + '\n';
}

/** The index of a case of an enum or variant, as the canonical ABI numbers it. */
export function caseIndex(wit: WasiWit, id: string, typeName: string, caseName: string): number {
  const item = wit.interfaces.get(id)?.find((i) => new RegExp(`^(enum|variant) ${typeName} \\{`).test(i));
  if (!item) throw new Error(`assertion failed: no \`${typeName}\` in \`${id}\``);
  const cases = item.slice(item.indexOf('{') + 1, item.lastIndexOf('}')).split(',').map((c) => c.trim().replace(/\(.*$/s, '')).filter(Boolean);
  const index = cases.indexOf(caseName);
  if (index < 0) throw new Error(`assertion failed: \`${typeName}\` has no case \`${caseName}\``);
  return index;
}
