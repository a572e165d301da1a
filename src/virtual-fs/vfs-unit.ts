// The virtual filesystem unit: the manifest's mounts made one guest tree, its
// nodes in the config blob (./assembly/vfs.ts reads them under Wizer) and the
// file contents in a passive data segment. It exports virt:fs/vfs, which only
// the io group imports.
import { CompositionError } from '../compose/errors.js';
import { CURRENT_DIR, type FilesystemPlan } from '../policies/plan.js';
import { ConfigBlob } from '../units/config-blob.js';
import { ByteWriter } from '../binary/byte-writer.js';
import { InstanceDecls, PRIMITIVE, valType, type ValType } from '../units/instance-decls.js';
import { adapterPath, type AppImport, type UnitImport, type UnitSpec, type Widening } from '../units/unit.js';
import { formatInterfaceName, HOST_NAMESPACE, inNamespace, parseInterfaceName, type InterfaceName } from '../wit/names.js';
import { typeDef } from '../wit/model.js';
import { VFS_ID, type WasiWit } from '../wit/wasi-wit.js';

/** The interfaces the virtual filesystem answers (through the io group). */
export const FS_TYPES_ID = 'wasi:filesystem/types';
export const FS_PREOPENS_ID = 'wasi:filesystem/preopens';
export const FILESYSTEM_IDS: readonly string[] = [FS_TYPES_ID, FS_PREOPENS_ID];

/** virt:fs/vfs, as units name it. */
export const VFS_NAME: InterfaceName = { ...parseInterfaceName(VFS_ID)!, version: { major: 0, minor: 1, patch: 0 } };

// descriptor-type values, as the adapter stores them.
const KIND = { dir: 3, symlink: 5, file: 6, host: 100 } as const;
const NO_PARENT = 0xffffffff;

// A node of the guest tree. Embedded trees are the Plan's own entries, shared and never changed: a copy of
// 100,000 of them would double the build's memory. `writable` is the filesystem's unless the node says.
type GuestNode =
  | { kind: 'dir'; writable?: boolean; mtimeNs: bigint; entries: ReadonlyMap<string, GuestNode> }
  | { kind: 'file'; writable?: boolean; mtimeNs: bigint; data: Uint8Array }
  | { kind: 'symlink'; writable?: boolean; mtimeNs: bigint; target: string }
  | { kind: 'host'; writable: boolean; mtimeNs: bigint; hostPath: string };
type GuestDir = { kind: 'dir'; writable?: boolean; mtimeNs: bigint; entries: Map<string, GuestNode> };

/** A virtual filesystem as the vfs holds it: trees (parents before children), and the preopens into them. */
interface GuestTree {
  /** The `/` tree, and the `.` mount when there is one. */
  readonly roots: readonly GuestNode[];
  /** Guest path → the node it names. */
  readonly preopens: ReadonlyMap<string, GuestNode>;
}

function isDirectory(node: GuestNode): boolean {
  return node.kind === 'dir' || node.kind === 'host';
}

// Whether `path` is `ancestor` or below it.
function within(path: string, ancestor: string): boolean {
  return path === ancestor || ancestor === '/' || path.startsWith(`${ancestor}/`);
}

/**
 * The guest tree of a virtual filesystem. Each directory mount is a preopen at
 * its own path, so that libc's longest-prefix rule finds it (ruby.wasm keeps
 * its own `/usr`: a mount at `/usr/local/lib/ruby` must not hide it). A file or
 * symlink mount lives in its parent directory, which is a preopen unless a
 * directory mount holds it. The directories made on the way to a mount are not.
 */
function guestTree(fs: Extract<FilesystemPlan, { mode: 'virtual' }>, now: bigint): GuestTree {
  // The directories made here, which mounts may be added to; a directory of an embedded tree is copied first.
  const made = new Set<GuestNode>();
  const emptyDir = (writable?: boolean): GuestDir => {
    const dir: GuestDir = { kind: 'dir', mtimeNs: now, entries: new Map(), ...(writable ? { writable } : {}) };
    made.add(dir);
    return dir;
  };
  const own = (dir: Extract<GuestNode, { kind: 'dir' }>): GuestDir => {
    if (made.has(dir)) return dir as GuestDir;
    const copy: GuestDir = { ...dir, entries: new Map(dir.entries) };
    made.add(copy);
    return copy;
  };
  let root: GuestDir = emptyDir();
  let currentDir: GuestNode | undefined;
  const nodes = new Map<string, GuestNode>();
  for (const { path, source } of fs.mounts) {
    if (source.kind === 'embed') throw new Error('assertion failed: the build loads embedded trees before it builds units');
    const node: GuestNode = source.kind === 'tree' ? source.root
      : source.kind === 'memory' ? emptyDir(true)
      : source.kind === 'host' ? { kind: 'host', writable: source.write, mtimeNs: 0n, hostPath: source.path }
      : source.kind === 'file' ? { kind: 'file', mtimeNs: now, data: source.data }
      : { kind: 'symlink', mtimeNs: now, target: source.target };
    nodes.set(path, node);
    if (path === CURRENT_DIR) {
      currentDir = node;
      continue;
    }
    const parts = path.split('/').filter(Boolean);
    if (parts.length === 0) {
      if (node.kind !== 'dir') throw new Error('assertion failed: `/` is a directory');
      root = own(node);
      continue;
    }
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      const next = dir.entries.get(part) ?? emptyDir();
      if (next.kind !== 'dir') throw new CompositionError(`cannot mount \`${path}\`: \`${part}\` on its way is not a directory in what is mounted above it`, 'filesystem');
      const owned = own(next);
      dir.entries.set(part, owned);
      dir = owned;
    }
    dir.entries.set(parts[parts.length - 1], node);
  }
  const find = (path: string): GuestNode => path.split('/').filter(Boolean)
    .reduce<GuestNode>((dir, part) => (dir.kind === 'dir' ? dir.entries.get(part)! : dir), root);
  const directories = [...nodes].filter(([path, node]) => path !== CURRENT_DIR && isDirectory(node)).map(([path]) => path);
  const parents = [...nodes].filter(([path, node]) => path !== CURRENT_DIR && !isDirectory(node))
    .map(([path]) => path.slice(0, path.lastIndexOf('/')) || '/')
    .sort((a, b) => a.length - b.length);
  const preopens = new Map<string, GuestNode>(directories.map((path) => [path, find(path)]));
  for (const parent of parents) {
    if (![...preopens.keys()].some((held) => within(parent, held))) preopens.set(parent, find(parent));
  }
  if (currentDir) preopens.set(CURRENT_DIR, currentDir);
  return { roots: currentDir ? [root, currentDir] : [root], preopens };
}

// The size of one node's record in the layout.
const RECORD = 32;

/**
 * The adapter's config, and its data segment: the file contents, then the
 * tree's layout (both described in ./assembly/vfs.ts).
 */
function vfsConfig(tree: GuestTree, fs: Extract<FilesystemPlan, { mode: 'virtual' }>): { config: Uint8Array; data: Uint8Array[] } {
  const time = (node: GuestNode): bigint => (node.kind === 'host' ? 0n : fs.mtime === 'build' ? node.mtimeNs : fs.mtime);
  const files: Uint8Array[] = [];
  let dataLength = 0;
  // Breadth-first, so that every parent comes before its children and each directory's entries are one run.
  const queue: Array<[GuestNode, number, string]> = tree.roots.map((node) => [node, NO_PARENT, '']);
  const preopened = new Set(tree.preopens.values());
  const index = new Map<GuestNode, number>();
  let newest = 0n;
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i][0];
    if (preopened.has(node) && !index.has(node)) index.set(node, i);
    if (time(node) > newest) newest = time(node);
    if (node.kind === 'file') {
      files.push(node.data);
      dataLength += node.data.length;
    } else if (node.kind === 'dir') {
      for (const [name, child] of node.entries) queue.push([child, i, name]);
    }
  }
  const records = new Uint8Array(queue.length * RECORD);
  const view = new DataView(records.buffer);
  const texts = new ConfigBlob();
  const textsAt = dataLength + records.length;
  const text = (value: string): [number, number] => {
    const at = textsAt + texts.length;
    texts.utf8(value);
    return [at, textsAt + texts.length - at];
  };
  let fileAt = 0;
  let entryAt = tree.roots.length;
  for (let i = 0; i < queue.length; i++) {
    const [node, parent, name] = queue[i];
    const at = i * RECORD;
    const [nameAt, nameLength] = text(name);
    if (nameLength > 255) throw new CompositionError(`the name \`${name}\` is longer than 255 bytes`, 'filesystem');
    view.setUint8(at, KIND[node.kind]);
    view.setUint8(at + 1, (node.writable ?? fs.writable) ? 1 : 0);
    view.setUint8(at + 2, nameLength);
    view.setUint32(at + 4, parent, true);
    view.setUint32(at + 8, nameAt, true);
    view.setBigUint64(at + 12, time(node), true);
    if (node.kind === 'file') {
      view.setUint32(at + 20, fileAt, true);
      view.setBigUint64(at + 24, BigInt(node.data.length), true);
      fileAt += node.data.length;
    } else if (node.kind === 'dir') {
      view.setUint32(at + 20, entryAt, true);
      view.setUint32(at + 24, node.entries.size, true);
      view.setUint32(at + 28, [...node.entries.values()].filter(isDirectory).length, true);
      entryAt += node.entries.size;
    } else {
      const [targetAt, targetLength] = text(node.kind === 'symlink' ? node.target : node.hostPath);
      view.setUint32(at + 20, targetAt, true);
      view.setUint32(at + 24, targetLength, true);
    }
  }
  const names = texts.finish();
  if (textsAt + names.length > 0xffffffff) throw new CompositionError('the embedded files hold more than 4 GiB, more than one data segment can', 'filesystem');
  const config = new ConfigBlob().u32(queue.length).u32(tree.roots.length).u32(dataLength).u64(newest).u32(tree.preopens.size);
  for (const [path, node] of tree.preopens) config.u32(index.get(node)!).text(path);
  config.u64(BigInt(fs.memoryLimit));
  return { config: config.finish(), data: [...files, records, names] };
}

// What the io group always calls: drops, the preopens and file streams.
const ALWAYS = new Set([
  'drop-descriptor', 'drop-directory-entry-stream', 'get-directories',
  'stream-read', 'stream-skip', 'stream-check-write', 'stream-write', 'stream-write-zeroes', 'drop-stream',
]);

/** The functions of virt:fs/vfs that an app with this `wasi:filesystem/types` import can reach. */
export function vfsFunctions(wit: WasiWit, types: AppImport | undefined): string[] {
  const methods = new Set((types?.functions ?? []).map((fn) => /^\[method\][a-z-]+\.(.+)$/.exec(fn)?.[1]));
  const vfs = wit.interfaces.get(VFS_ID);
  if (!vfs) throw new Error('assertion failed: the model has virt:fs/vfs');
  return vfs.functions.map(([fn]) => fn).filter((fn) => ALWAYS.has(fn) || methods.has(fn));
}

/** Whether a virtual filesystem reaches the host: it has a host mount. */
export function hasHostMounts(fs: FilesystemPlan): boolean {
  return fs.mode === 'virtual' && fs.mounts.some((m) => m.source.kind === 'host');
}

// What the vfs unit reads and writes host files with, and opens a host mount's root with (`open-at`),
// whether or not the app calls them itself.
const FILE_ACCESS = {
  read: '[method]descriptor.read', write: '[method]descriptor.write', stat: '[method]descriptor.stat', openAt: '[method]descriptor.open-at',
} as const;

// The flags types `open-at` takes, with their labels as the WASI model has them.
const OPEN_AT_FLAGS = ['path-flags', 'open-flags', 'descriptor-flags'] as const;

// Declares the methods of FILE_ACCESS that the app's `wasi:filesystem/types` instance type lacks.
const askForFileAccess = (wit: WasiWit): Widening => ({ localCount, localIndex, functions }) => {
  const descriptor = localIndex.get('descriptor');
  const errorCode = localIndex.get('error-code');
  if (descriptor === undefined || errorCode === undefined) throw new Error('assertion failed: the app imports `descriptor` and `error-code`');
  const decls = new InstanceDecls(localCount);
  const borrow = decls.type(new ByteWriter().u8(0x68).u32(descriptor));
  if (!functions.includes(FILE_ACCESS.openAt)) {
    // WIT names flags: use the app's, or declare and export each as WASI defines it.
    const [pathFlags, openFlags, descriptorFlags] = OPEN_AT_FLAGS.map((name) => localIndex.get(name) ?? decls.exportType(name, decls.type(flagsType(wit, name))));
    const own = decls.type(new ByteWriter().u8(0x69).u32(descriptor));
    const opened = decls.type(valType(valType(new ByteWriter().u8(0x6a).u8(0x01), own).u8(0x01), errorCode));
    decls.exportFunction(FILE_ACCESS.openAt, [['self', borrow], ['path-flags', pathFlags], ['path', PRIMITIVE.string], ['open-flags', openFlags], ['flags', descriptorFlags]], opened);
  }
  const bytes = decls.type(valType(new ByteWriter().u8(0x70), PRIMITIVE.u8));
  const result = (ok: ValType): number => decls.type(valType(valType(new ByteWriter().u8(0x6a).u8(0x01), ok).u8(0x01), errorCode));
  if (!functions.includes(FILE_ACCESS.read)) {
    const chunk = decls.type(valType(valType(new ByteWriter().u8(0x6f).u32(2), bytes), PRIMITIVE.bool));
    decls.exportFunction(FILE_ACCESS.read, [['self', borrow], ['length', PRIMITIVE.u64], ['offset', PRIMITIVE.u64]], result(chunk));
  }
  if (!functions.includes(FILE_ACCESS.write)) {
    decls.exportFunction(FILE_ACCESS.write, [['self', borrow], ['buffer', bytes], ['offset', PRIMITIVE.u64]], result(PRIMITIVE.u64));
  }
  const stat = localIndex.get('descriptor-stat');
  if (!functions.includes(FILE_ACCESS.stat) && stat !== undefined) decls.exportFunction(FILE_ACCESS.stat, [['self', borrow]], result(stat));
  return decls.decls;
};

function flagsType(wit: WasiWit, name: string): ByteWriter {
  const iface = wit.interfaces.get(FS_TYPES_ID);
  const def = iface && typeDef(iface, name);
  if (def?.kind !== 'flags') throw new Error(`assertion failed: \`${name}\` of wasi:filesystem/types is a flags type`);
  const writer = new ByteWriter().u8(0x6e).u32(def.flags.length);
  for (const flag of def.flags) writer.name(flag);
  return writer;
}

// The host's filesystem, for host mounts: the app's own imports, less what the vfs unit never calls.
function hostImports(all: ReadonlyMap<string, AppImport>): UnitImport[] {
  const types = all.get(FS_TYPES_ID);
  const preopens = all.get(FS_PREOPENS_ID);
  if (!types || !preopens) throw new Error('assertion failed: an app with a virtual filesystem imports wasi:filesystem');
  const resources = new Set(types.types ?? []);
  const drops = [...resources].map((r) => `[resource-drop]${r}`);
  // (`stat` needs the app's `descriptor-stat`; without it, appends and skips on host files answer `closed`.)
  const access: string[] = Object.values(FILE_ACCESS).filter((fn) => fn !== FILE_ACCESS.stat || resources.has('descriptor-stat'));
  const called = [...new Set([...types.functions, ...access])].filter((fn) => fn.startsWith('[method]') && !fn.endsWith('-via-stream'));
  return [
    {
      name: inNamespace(types.name, HOST_NAMESPACE), outer: formatInterfaceName(types.name), adapterModule: 'host-fs',
      functions: new Set([...called, ...drops]), types: resources, hostUses: true,
    },
    {
      name: inNamespace(preopens.name, HOST_NAMESPACE), outer: formatInterfaceName(preopens.name), adapterModule: 'host-preopens',
      functions: new Set(['get-directories']), hostUses: true,
    },
  ];
}

/** The vfs unit for a virtual filesystem; it exports what the app's filesystem import can reach. */
export function vfsUnit(fs: Extract<FilesystemPlan, { mode: 'virtual' }>, wit: WasiWit, all: ReadonlyMap<string, AppImport>): UnitSpec {
  const { config, data } = vfsConfig(guestTree(fs, BigInt(Date.now()) * 1_000_000n), fs);
  return {
    name: 'vfs',
    adapter: adapterPath('vfs'),
    config,
    passiveData: data,
    exports: [{ name: VFS_NAME, functions: new Map(vfsFunctions(wit, all.get(FS_TYPES_ID)).map((fn) => [fn, fn.replace(/-/g, '_')])) }],
    imports: hasHostMounts(fs) ? hostImports(all) : [],
    ...(hasHostMounts(fs) ? { widen: new Map([[formatInterfaceName(all.get(FS_TYPES_ID)!.name), askForFileAccess(wit)]]) } : {}),
  };
}
