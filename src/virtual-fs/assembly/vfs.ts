// The virtual filesystem: a tree of directories, files and symlinks built at
// Wizer time from the config blob, served through virt:fs/vfs (wasi:filesystem
// with u32 handles; the io group wraps them in its resources).
//
// File contents stay in one passive data segment (the blob) until a read
// copies the bytes asked for; a write to a writable file first copies it into
// the heap (the overlay). Path resolution never leaves the descriptor it
// starts from: absolute paths, `..` past it and absolute symlink targets are
// `not-permitted`, as on wasmtime and preview2-shim.
//
// Config blob (little-endian; written by src/virtual-fs/vfs-unit.ts), read under Wizer:
//   u32 node count   u32 root count   u32 layout offset (in the data segment)   u64 newest mtime (ns)
//   u32 count, then per preopen: u32 node index, u32 length + UTF-8 guest path
//   u64 memory limit: the most bytes the heap copies of changed files may hold
//
// The tree stays in the data segment, after the file contents, until a path
// reaches it: a directory's entries become nodes the first time it is looked
// into, so a snapshot holds what init made, not 100,000 nodes (270 bytes each
// in the heap, against 32 in the layout). The layout: one record of RECORD
// bytes per node, parents before children and each directory's entries one
// run, the roots (`/`, then `.` if mounted) first; then the names and targets.
//   u8 kind (3 directory | 5 symlink | 6 file | 100 host mount)   u8 writable   u8 name length   u8 0
//   u32 parent (index; 0xffffffff for a root)   u32 name offset   u64 mtime (ns)
//   directory: u32 first entry's index, u32 entry count, u32 subdirectory count
//   file: u32 data offset, u64 size       symlink, host mount (the host preopen's name): u32 text offset, u32 length
// (A host mount's `writable` means `write: true`.)
//
// A host mount is a node whose paths go to the host: the part of a path below
// it, once checked here (no absolute path, no `..` above the mount), is handed
// to the host's own open-at, stat-at, ... from the mount's root descriptor.
// Descriptors, listings and streams under it hold the host's handles.
//
// Time: the virtual fs has no clock. A change during the run is stamped one
// nanosecond after the latest time it has seen (the tree's newest file to
// begin with), so that changed files are newer than the rest, in the same
// order on every run.
//
// Memory: the tree is managed (minimal runtime, collected between calls);
// what crosses the canonical ABI is unmanaged and freed at the next call.
import { openConfig, readByte, readU32, readU64 } from "../../virtual-env/assembly/config";
import {
  hostAdvise, hostCreateDirectoryAt, hostDropDescriptor, hostDropDirectoryEntryStream, hostGetDirectories, hostGetFlags,
  hostGetType, hostIsSameObject, hostLinkAt, hostMetadataHash, hostMetadataHashAt, hostOpenAt, hostRead, hostReadDirectory,
  hostReadDirectoryEntry, hostReadlinkAt, hostRemoveDirectoryAt, hostRenameAt, hostSetSize, hostSetTimes, hostSetTimesAt,
  hostStat, hostStatAt, hostSymlinkAt, hostSync, hostSyncData, hostUnlinkFileAt, hostWrite,
} from "./host";

// Replaced after the snapshot by a body that runs `memory.init` on the blob segment.
@external("virt-data", "copy") declare function blobCopy(dst: usize, offset: u32, len: u32): void;

// descriptor-type
const DIRECTORY: u8 = 3;
const SYMLINK: u8 = 5;
const FILE: u8 = 6;
const HOST_MOUNT: u8 = 100;
// error-code
const E_BADF: u8 = 3;
const E_BUSY: u8 = 4;
const E_EXIST: u8 = 7;
const E_FBIG: u8 = 8;
const E_NOSPC: u8 = 23;
const E_INVAL: u8 = 12;
const E_ISDIR: u8 = 14;
const E_LOOP: u8 = 15;
const E_NAMETOOLONG: u8 = 18;
const E_NOENT: u8 = 20;
const E_NOTDIR: u8 = 24;
const E_NOTEMPTY: u8 = 25;
const E_PERM: u8 = 31;
const E_ROFS: u8 = 33;
const E_XDEV: u8 = 36;
// flags
const READ: u32 = 1;
const WRITE: u32 = 2;
const MUTATE_DIRECTORY: u32 = 32;
const SYMLINK_FOLLOW: u32 = 1;
const O_CREATE: u32 = 1;
const O_DIRECTORY: u32 = 2;
const O_EXCLUSIVE: u32 = 4;
const O_TRUNCATE: u32 = 8;

const MAX_SYMLINKS = 40; // as Linux and preview2-shim
const NAME_MAX = 255;
const PATH_MAX = 4096;
const MAX_FILE_SIZE: u64 = 0x7fffffff; // files live in one linear memory

class Node {
  ino: u64 = 0;
  links: u64 = 1;
  atime: u64 = 0;
  mtime: u64 = 0;
  ctime: u64 = 0;
  // A file's bytes: in the blob at `blobOffset` until `data` holds a copy.
  blobOffset: u32 = 0;
  size: u64 = 0;
  data: Uint8Array | null = null;
  // Whether `data` counts against the memory limit: until the file's last name is gone.
  accounted: bool = true;
  // A directory's entries: null until they are read from the layout, from `firstEntry` on.
  children: Map<string, Node> | null = null;
  firstEntry: u32 = 0;
  entryCount: u32 = 0;
  parent: Node | null = null;
  target: string = "";
  // A host mount's: the host preopen's name, and the descriptor of its root once opened.
  hostName: string = "";
  hostRoot: i32 = -1;
  constructor(public kind: u8, public writable: bool) {}
}

// `host` is the host's handle (-1 for a virtual node); `node` is then the host mount.
class Descriptor {
  constructor(public node: Node, public flags: u32, public host: i32 = -1, public ownsHost: bool = false) {}
}

class EntryStream {
  index: i32 = 0;
  constructor(public dir: Node, public names: string[], public host: i32 = -1) {}
}

class FileStream {
  constructor(public node: Node, public position: u64, public append: bool, public host: i32 = -1) {}
}

let nextIno: u64 = 1;
let latest: u64 = 0; // the newest time the tree holds; `tick` moves past it
let started = false; // init has built the tree: from now on, changes are stamped

function tick(): u64 {
  return ++latest;
}

// Marks `node` changed: its contents (`data`) or only its status.
function touch(node: Node, data: bool): void {
  if (!started) return;
  const now = tick();
  node.ctime = now;
  if (data) node.mtime = now;
}

let preopens: Node[] = [];
let preopenNames: string[] = [];
let descriptors: Array<Descriptor | null> = [];
let entryStreams: Array<EntryStream | null> = [];
let fileStreams: Array<FileStream | null> = [];
let ret: usize = 0;
let hostRet: usize = 0; // where host calls made on the way write, so as not to overwrite `ret`

// What crosses the ABI: buffers the host allocated for this call's arguments, and the buffers of this call's results.
let incoming: usize[] = [];
let arguments_: usize[] = [];
let results: usize[] = [];
let calls: u32 = 0;

function newNode(kind: u8, writable: bool, mtime: u64): Node {
  const node = new Node(kind, writable);
  node.ino = nextIno++;
  node.atime = mtime;
  node.mtime = mtime;
  node.ctime = mtime;
  if (kind == DIRECTORY) {
    node.children = new Map<string, Node>();
    node.links = 2; // its name in its parent, and its own `.`
  }
  return node;
}

let layout: u32 = 0; // the layout's offset in the data segment
let roots: Array<Node | null> = [];
// Preopens are nodes of the layout, made on the first `get-directories` (nothing reaches the tree before it).
let preopenIndexes: u32[] = [];

export function init(): void {
  openConfig();
  nextIno = <u64>readU32() + 1;
  roots = new Array<Node | null>(readU32());
  layout = readU32();
  latest = readU64();
  const preopenCount = readU32();
  for (let i: u32 = 0; i < preopenCount; i++) {
    preopenIndexes.push(readU32());
    preopenNames.push(readString());
  }
  memoryLimit = readU64();
  ret = heap.alloc(128);
  hostRet = heap.alloc(128);
  started = true;
}

function readString(): string {
  const bytes = new Uint8Array(readU32());
  for (let i = 0; i < bytes.length; i++) bytes[i] = readByte();
  return String.UTF8.decode(bytes.buffer);
}

// --- the layout ----------------------------------------------------------------

const RECORD: u32 = 32;
const NONE: u32 = 0xffffffff;

function blobText(offset: u32, length: u32): string {
  const bytes = new ArrayBuffer(length);
  if (length > 0) blobCopy(changetype<usize>(bytes), offset, length);
  return String.UTF8.decode(bytes);
}

// The node of the record at `at` (copied out of the layout), numbered as the layout numbers it.
function nodeOfRecord(index: u32, at: usize): Node {
  const kind = load<u8>(at);
  const node = new Node(kind, load<u8>(at, 1) != 0);
  node.ino = <u64>index + 1;
  const mtime = load<u64>(at, 12);
  node.atime = mtime;
  node.mtime = mtime;
  node.ctime = mtime;
  if (kind == DIRECTORY) {
    node.firstEntry = load<u32>(at, 20);
    node.entryCount = load<u32>(at, 24);
    node.links = 2 + <u64>load<u32>(at, 28);
  } else if (kind == FILE) {
    node.blobOffset = load<u32>(at, 20);
    node.size = load<u64>(at, 24);
  } else if (kind == SYMLINK) {
    node.target = blobText(load<u32>(at, 20), load<u32>(at, 24));
  } else if (kind == HOST_MOUNT) {
    node.hostName = blobText(load<u32>(at, 20), load<u32>(at, 24));
  }
  return node;
}

// A directory's entries, read from the layout the first time they are asked for.
function entriesOf(dir: Node): Map<string, Node> {
  if (dir.children != null) return dir.children!;
  const children = new Map<string, Node>();
  dir.children = children;
  const records = heap.alloc(<usize>dir.entryCount * RECORD + 1);
  if (dir.entryCount > 0) blobCopy(records, layout + dir.firstEntry * RECORD, dir.entryCount * RECORD);
  for (let i: u32 = 0; i < dir.entryCount; i++) {
    const at = records + <usize>i * RECORD;
    const node = nodeOfRecord(dir.firstEntry + i, at);
    if (node.kind == DIRECTORY) node.parent = dir;
    children.set(blobText(load<u32>(at, 8), load<u8>(at, 2)), node);
  }
  heap.free(records);
  return children;
}

// Whether a directory holds entries; one not yet read from the layout is not read for this.
function hasEntries(dir: Node): bool {
  return dir.children != null ? dir.children!.size > 0 : dir.entryCount > 0;
}

// The node of layout record `index`: a root, or an entry of its parent's.
function layoutNode(index: u32): Node {
  const at = heap.alloc(RECORD);
  blobCopy(at, layout + index * RECORD, RECORD);
  const parent = load<u32>(at, 4);
  const nameAt = load<u32>(at, 8);
  const nameLength = load<u8>(at, 2);
  let node: Node;
  if (parent == NONE) {
    if (roots[index] == null) roots[index] = nodeOfRecord(index, at);
    node = roots[index]!;
  } else {
    node = entriesOf(layoutNode(parent)).get(blobText(nameAt, nameLength));
  }
  heap.free(at);
  return node;
}

function attach(dir: Node, name: string, node: Node): void {
  entriesOf(dir).set(name, node);
  touch(dir, true);
  if (node.kind == DIRECTORY) {
    node.parent = dir;
    dir.links++;
  }
}

function detach(dir: Node, name: string, node: Node): void {
  entriesOf(dir).delete(name);
  touch(dir, true);
  if (node.kind == DIRECTORY) {
    node.parent = null;
    dir.links--;
  }
}

// Every export starts here: the previous call's arguments and results have been consumed.
function enter(): void {
  for (let i = 0; i < arguments_.length; i++) heap.free(arguments_[i]);
  for (let i = 0; i < results.length; i++) heap.free(results[i]);
  arguments_ = incoming;
  incoming = [];
  results = [];
  if ((++calls & 1023) == 0) __collect();
}

export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  const ptr = heap.alloc(newSize + align);
  const aligned = (ptr + align - 1) & ~(align - 1);
  incoming.push(ptr);
  if (oldPtr != 0) memory.copy(aligned, oldPtr, oldSize < newSize ? oldSize : newSize);
  return aligned;
}

function resultBuffer(size: usize): usize {
  const ptr = heap.alloc(size > 0 ? size : 1);
  results.push(ptr);
  return ptr;
}

// --- results -----------------------------------------------------------------

function fail(code: u8, payloadOffset: usize): usize {
  store<u8>(ret, 1);
  store<u8>(ret + payloadOffset, code);
  return ret;
}
function ok(): usize {
  store<u8>(ret, 0);
  return ret;
}
function okU8(value: u8): usize {
  store<u8>(ret, 0);
  store<u8>(ret, value, 1);
  return ret;
}
function okU32(value: u32): usize {
  store<u8>(ret, 0);
  store<u32>(ret, value, 4);
  return ret;
}
function okU64(value: u64): usize {
  store<u8>(ret, 0);
  store<u64>(ret, value, 8);
  return ret;
}
// A string's UTF-8 bytes in a result buffer, stored as (pointer, length) at `at`.
function storeString(at: usize, text: string): void {
  const bytes = String.UTF8.encode(text);
  const dst = resultBuffer(bytes.byteLength);
  memory.copy(dst, changetype<usize>(bytes), bytes.byteLength);
  store<u32>(at, <u32>dst);
  store<u32>(at, <u32>bytes.byteLength, 4);
}
// result<list<u8>, _> (and the `ok` of a stream read): the list at @4.
function okList(ptr: usize, len: usize): usize {
  store<u8>(ret, 0);
  store<u32>(ret, <u32>ptr, 4);
  store<u32>(ret, <u32>len, 8);
  return ret;
}
function okString(text: string): usize {
  store<u8>(ret, 0);
  storeString(ret + 4, text);
  return ret;
}

// descriptor-stat at `at`: type u8 @0, link-count u64 @8, size u64 @16, then three option<datetime> of 24 bytes.
function writeStat(at: usize, node: Node): void {
  store<u8>(at, node.kind);
  store<u64>(at, node.links, 8);
  store<u64>(at, node.kind == SYMLINK ? <u64>String.UTF8.byteLength(node.target) : node.size, 16);
  writeTime(at + 24, node.atime);
  writeTime(at + 48, node.mtime);
  writeTime(at + 72, node.ctime);
}
function writeTime(at: usize, ns: u64): void {
  store<u8>(at, 1);
  store<u64>(at, ns / 1_000_000_000, 8);
  store<u32>(at, <u32>(ns % 1_000_000_000), 16);
}

// --- handles -----------------------------------------------------------------

// A handle is an index into its table; a dropped one leaves a hole that the next handle fills.
function addTo<T>(table: Array<T>, item: T): u32 {
  for (let i = 0; i < table.length; i++) {
    if (table[i] == null) {
      table[i] = item;
      return <u32>i;
    }
  }
  table.push(item);
  return <u32>(table.length - 1);
}

function entryOf<T>(table: Array<T>, handle: u32): T {
  return handle < <u32>table.length ? table[handle] : changetype<T>(0);
}

function descriptorOf(handle: u32): Descriptor | null {
  return entryOf(descriptors, handle);
}

function newDescriptor(node: Node, flags: u32): u32 {
  return addTo(descriptors, new Descriptor(node, flags));
}

// --- paths -------------------------------------------------------------------

// The outcome of resolving a path: the directory that holds the last
// component, its name ("" when the path ends at a directory itself: `.`,
// `a/..`), and the node it names, if any.
let error: u8 = 0;
let resolvedParent: Node | null = null;
let resolvedName: string = "";
let resolvedNode: Node | null = null;
let trailingSlash = false;
// Whether the last component was a symlink followed only because of a trailing slash:
// POSIX removes and renames no directory through `link/` (ENOTDIR).
let slashFollowedLink = false;

function splitPath(path: string): string[] {
  const parts = path.split("/");
  const out = new Array<string>();
  for (let i = 0; i < parts.length; i++) if (parts[i].length > 0) out.push(parts[i]);
  return out;
}

/** Resolves `path` from `base`; false (with `error` set) when it cannot. */
function resolve(base: Node, path: string, followFinal: bool): bool {
  resolvedParent = null;
  resolvedNode = null;
  resolvedName = "";
  if (path.length == 0) return failWith(E_NOENT);
  if (!checkPathText(path)) return false;
  trailingSlash = path.charCodeAt(path.length - 1) == 47;
  slashFollowedLink = false;
  let pending = splitPath(path);
  const stack = new Array<Node>();
  stack.push(base);
  let followed = 0;
  while (pending.length > 0) {
    const segment = pending.shift();
    const final = pending.length == 0;
    // `file/.` and `file/..` walk through a file: ENOTDIR, as on Linux.
    if ((segment == "." || segment == "..") && stack[stack.length - 1].kind != DIRECTORY) return failWith(E_NOTDIR);
    if (segment == ".") {
      if (final) return endAt(stack);
      continue;
    }
    if (segment == "..") {
      if (stack.length == 1) return failWith(E_PERM);
      stack.pop();
      if (final) return endAt(stack);
      continue;
    }
    if (String.UTF8.byteLength(segment) > NAME_MAX) return failWith(E_NAMETOOLONG);
    const dir = stack[stack.length - 1];
    if (dir.kind != DIRECTORY) return failWith(E_NOTDIR);
    const children = entriesOf(dir);
    if (!children.has(segment)) {
      if (!final) return failWith(E_NOENT);
      resolvedParent = dir;
      resolvedName = segment;
      return true;
    }
    const child = children.get(segment);
    if (child.kind == HOST_MOUNT) return enterHost(child, pending);
    if (child.kind == SYMLINK && (!final || followFinal || trailingSlash)) {
      if (final && !followFinal) slashFollowedLink = true;
      if (++followed > MAX_SYMLINKS) return failWith(E_LOOP);
      if (child.target.length == 0) return failWith(E_NOENT);
      if (child.target.charCodeAt(0) == 47) return failWith(E_PERM);
      const target = splitPath(child.target);
      if (child.target.charCodeAt(child.target.length - 1) == 47 && final) trailingSlash = true;
      pending = target.concat(pending);
      if (pending.length == 0) return endAt(stack);
      continue;
    }
    if (final) {
      if (trailingSlash && child.kind != DIRECTORY) return failWith(E_NOTDIR);
      resolvedParent = dir;
      resolvedName = segment;
      resolvedNode = child;
      return true;
    }
    stack.push(child);
  }
  return endAt(stack);
}

// --- host mounts ---------------------------------------------------------------

// Where a path located below a host mount goes: the host's descriptor, the path from it, and the mount.
let viaHost = false;
let hostFd: i32 = -1;
let hostPtr: usize = 0;
let hostLen: usize = 0;
let hostMount: Node | null = null;
let hostPath: ArrayBuffer | null = null; // keeps a rewritten path alive until the host call
let hostPreopens: Map<string, i32> | null = null;

// What any path is checked for before it is walked: NUL, its length, and being absolute.
function checkPathText(path: string): bool {
  if (path.includes("\0")) return failWith(E_INVAL);
  if (String.UTF8.byteLength(path) > PATH_MAX) return failWith(E_NAMETOOLONG);
  if (path.length > 0 && path.charCodeAt(0) == 47) return failWith(E_PERM);
  return true;
}

// The checks a path gets before it reaches the host: a virtual path's, with `..` and long names
// checked as text, since the host's own tree is not walked here.
function checkHostPath(path: string): bool {
  if (!checkPathText(path)) return false;
  const parts = splitPath(path);
  let depth = 0;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] == "..") {
      if (--depth < 0) return failWith(E_PERM);
    } else if (parts[i] != ".") {
      if (String.UTF8.byteLength(parts[i]) > NAME_MAX) return failWith(E_NAMETOOLONG);
      depth++;
    }
  }
  return true;
}

// A symlink left on a host mount outlives the run, and other programs follow it: its target may not
// climb above the link's own directory. (How deep that directory sits in the mount cannot be told from
// the path, since the host's own symlinks may be on the way, so no `..` above it is allowed.)
function staysBelowLink(target: string): bool {
  const parts = splitPath(target);
  let depth = 0;
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] == "..") {
      if (--depth < 0) return false;
    } else if (parts[i] != ".") depth++;
  }
  return true;
}

// The root of a host mount: the host's preopen of that name, opened again as `.` (a
// preopen itself is not a full descriptor on every host). -1 when the host offers none.
function hostRootOf(mount: Node): i32 {
  if (mount.hostRoot >= 0) return mount.hostRoot;
  if (hostPreopens == null) {
    const found = new Map<string, i32>();
    hostGetDirectories(hostRet);
    const list = load<u32>(hostRet);
    const count = load<u32>(hostRet, 4);
    for (let i: u32 = 0; i < count; i++) {
      const at = <usize>(list + 12 * i);
      found.set(String.UTF8.decodeUnsafe(load<u32>(at, 4), load<u32>(at, 8)), load<i32>(at));
    }
    hostPreopens = found;
  }
  const preopens = hostPreopens!;
  if (!preopens.has(mount.hostName)) return -1;
  const dot = String.UTF8.encode(".");
  hostOpenAt(preopens.get(mount.hostName), 0, changetype<usize>(dot), 1, O_DIRECTORY, READ, hostRet);
  if (load<u8>(hostRet) != 0) return -1;
  mount.hostRoot = load<i32>(hostRet, 4);
  return mount.hostRoot;
}

function enterHost(mount: Node, rest: string[]): bool {
  const path = rest.length ? rest.join("/") + (trailingSlash ? "/" : "") : ".";
  if (!checkHostPath(path)) return false;
  const root = hostRootOf(mount);
  if (root < 0) return failWith(E_NOENT);
  const bytes = String.UTF8.encode(path);
  hostPath = bytes;
  return atHost(root, mount, changetype<usize>(bytes), bytes.byteLength);
}

function atHost(fd: i32, mount: Node, ptr: usize, len: usize): bool {
  viaHost = true;
  hostFd = fd;
  hostMount = mount;
  hostPtr = ptr;
  hostLen = len;
  return true;
}

/** Locates `path` from the descriptor `handle`: in the virtual tree (resolve's results), or at the host (viaHost). */
function locate(handle: u32, ptr: usize, len: usize, followFinal: bool): bool {
  viaHost = false;
  const d = descriptorOf(handle);
  if (d == null) return failWith(E_BADF);
  const path = pathArg(ptr, len);
  if (d.host >= 0) {
    if (path.length == 0) return failWith(E_NOENT);
    return checkHostPath(path) && atHost(d.host, d.node, ptr, len);
  }
  if (d.node.kind != DIRECTORY) return failWith(E_NOTDIR);
  return resolve(d.node, path, followFinal);
}

// A change below a read-only host mount is refused here, before the host sees it.
function hostReadOnly(): bool {
  return !hostMount!.writable;
}

function hostDescriptor(d: Descriptor): bool {
  return d.host >= 0;
}

function endAt(stack: Node[]): bool {
  const node = stack[stack.length - 1];
  if (node.kind != DIRECTORY) return failWith(E_NOTDIR);
  resolvedParent = stack.length > 1 ? stack[stack.length - 2] : null;
  resolvedName = "";
  resolvedNode = node;
  return true;
}

function failWith(code: u8): bool {
  error = code;
  return false;
}

function pathArg(ptr: usize, len: usize): string {
  return String.UTF8.decodeUnsafe(ptr, len);
}

// --- file contents -------------------------------------------------------------

// The heap copies of changed files, in bytes, and the most they may hold: past it a write fails, never
// traps (a grown copy briefly sits beside the old one, which the limit's ceiling leaves room for).
let memoryUsed: u64 = 0;
let memoryLimit: u64 = 0;

// A file loses a name; with its last one gone, its heap copy no longer counts (a descriptor still open on
// it may read on, and may briefly hold more than the limit).
function unlinked(node: Node): void {
  node.links--;
  if (node.links > 0) return;
  const data = node.data;
  if (data != null && node.accounted) memoryUsed -= <u64>data.length;
  node.accounted = false;
}

// Makes a file's bytes a heap copy with room for `capacity` bytes; null when that would pass the limit.
function materialize(node: Node, capacity: u64): Uint8Array | null {
  let data = node.data;
  if (data != null && <u64>data.length >= capacity) return data;
  const size = capacity > node.size ? capacity : node.size;
  const held: u64 = node.accounted && data != null ? <u64>data.length : 0;
  // Room to grow into, where the limit allows it; else just what is asked.
  let room: u64 = size < 64 ? 64 : size + (size >> 1);
  if (memoryUsed - held + room > memoryLimit) room = size;
  if (memoryUsed - held + room > memoryLimit) return null;
  const grown = new Uint8Array(<i32>room);
  if (data != null) memory.copy(grown.dataStart, data.dataStart, <usize>node.size);
  else if (node.size > 0) blobCopy(grown.dataStart, node.blobOffset, <u32>node.size);
  node.data = grown;
  if (node.accounted) memoryUsed = memoryUsed - held + room;
  return grown;
}

// Copies up to `len` bytes from `offset` into a result buffer; the count is `lastCount`.
let lastCount: usize = 0;
function readBytes(node: Node, offset: u64, len: u64): usize {
  const available = offset < node.size ? node.size - offset : 0;
  const n = <usize>(len < available ? len : available);
  const dst = resultBuffer(n);
  if (n > 0) {
    const data = node.data;
    if (data != null) memory.copy(dst, data.dataStart + <usize>offset, n);
    else blobCopy(dst, node.blobOffset + <u32>offset, <u32>n);
  }
  lastCount = n;
  return dst;
}

function writeBytes(node: Node, offset: u64, src: usize, len: usize): u8 {
  if (len == 0) return 0; // writing nothing changes nothing, even past the end
  const end = offset + <u64>len;
  if (end > MAX_FILE_SIZE) return E_FBIG;
  const data = materialize(node, end);
  if (data == null) return E_NOSPC;
  if (offset > node.size) memory.fill(data.dataStart + <usize>node.size, 0, <usize>(offset - node.size));
  memory.copy(data.dataStart + <usize>offset, src, len);
  if (end > node.size) node.size = end;
  touch(node, true);
  return 0;
}

function resize(node: Node, size: u64): u8 {
  if (size > MAX_FILE_SIZE) return E_FBIG;
  const data = materialize(node, size);
  if (data == null) return E_FBIG;
  if (size > node.size) memory.fill(data.dataStart + <usize>node.size, 0, <usize>(size - node.size));
  node.size = size;
  touch(node, true);
  return 0;
}

// --- descriptor methods ----------------------------------------------------------
// Each answers a virtual descriptor itself, and forwards a host one to the host
// with the same arguments, the host writing its result where ours would go.

export function read_via_stream(handle: u32, offset: u64): usize {
  enter();
  return openStream(handle, offset, READ, false);
}

export function write_via_stream(handle: u32, offset: u64): usize {
  enter();
  return openStream(handle, offset, WRITE, false);
}

export function append_via_stream(handle: u32): usize {
  enter();
  return openStream(handle, 0, WRITE, true);
}

function openStream(handle: u32, offset: u64, need: u32, append: bool): usize {
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 4);
  if (!hostDescriptor(d) && d.node.kind == DIRECTORY) return fail(E_ISDIR, 4);
  if ((d.flags & need) == 0) return fail(E_BADF, 4);
  return okU32(addTo(fileStreams, new FileStream(d.node, offset, append, d.host)));
}

export function advise(handle: u32, offset: u64, length: u64, advice: u32): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 1);
  if (hostDescriptor(d)) {
    hostAdvise(d.host, offset, length, advice, ret);
    return ret;
  }
  if (d.node.kind == DIRECTORY) return fail(E_BADF, 1);
  return ok();
}

export function sync_data(handle: u32): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 1);
  if (hostDescriptor(d)) hostSyncData(d.host, ret);
  else ok();
  return ret;
}

export function sync(handle: u32): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 1);
  if (hostDescriptor(d)) hostSync(d.host, ret);
  else ok();
  return ret;
}

export function get_flags(handle: u32): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 1);
  if (hostDescriptor(d)) {
    hostGetFlags(d.host, ret);
    return ret;
  }
  return okU8(<u8>d.flags);
}

export function get_type(handle: u32): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 1);
  if (hostDescriptor(d)) {
    hostGetType(d.host, ret);
    return ret;
  }
  return okU8(d.node.kind);
}

export function set_size(handle: u32, size: u64): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 1);
  if (hostDescriptor(d)) {
    if (!d.node.writable) return fail(E_ROFS, 1);
    hostSetSize(d.host, size, ret);
    return ret;
  }
  if (d.node.kind == DIRECTORY) return fail(E_ISDIR, 1);
  if ((d.flags & WRITE) == 0) return fail(E_INVAL, 1);
  const code = resize(d.node, size);
  return code ? fail(code, 1) : ok();
}

// new-timestamp: 0 no-change | 1 now (the next tick) | 2 timestamp(seconds, nanoseconds).
function newTime(old: u64, tag: u32, seconds: u64, nanoseconds: u32): u64 {
  return tag == 2 ? seconds * 1_000_000_000 + <u64>nanoseconds : tag == 1 ? tick() : old;
}

function setTimes(node: Node, aTag: u32, aSec: u64, aNs: u32, mTag: u32, mSec: u64, mNs: u32): usize {
  if (!node.writable) return fail(E_ROFS, 1);
  node.atime = newTime(node.atime, aTag, aSec, aNs);
  node.mtime = newTime(node.mtime, mTag, mSec, mNs);
  touch(node, false);
  return ok();
}

export function set_times(handle: u32, aTag: u32, aSec: u64, aNs: u32, mTag: u32, mSec: u64, mNs: u32): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 1);
  if (hostDescriptor(d)) {
    if (!d.node.writable) return fail(E_ROFS, 1);
    hostSetTimes(d.host, aTag, aSec, aNs, mTag, mSec, mNs, ret);
    return ret;
  }
  return setTimes(d.node, aTag, aSec, aNs, mTag, mSec, mNs);
}

// result<tuple<list<u8>, bool>, error-code>: list @4, bool @12; error @4.
export function read(handle: u32, length: u64, offset: u64): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 4);
  if (hostDescriptor(d)) {
    hostRead(d.host, length, offset, ret);
    return ret;
  }
  if (d.node.kind == DIRECTORY) return fail(E_ISDIR, 4);
  if ((d.flags & READ) == 0) return fail(E_BADF, 4);
  okList(readBytes(d.node, offset, length), lastCount);
  // No bytes is the end, as hosts answer: preview-1's adapter takes (none, not the end) for "try again".
  store<u8>(ret, lastCount == 0 || offset + <u64>lastCount >= d.node.size ? 1 : 0, 12);
  return ret;
}

// result<filesize, error-code>: value @8; error @8.
export function write(handle: u32, ptr: usize, len: usize, offset: u64): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 8);
  if (hostDescriptor(d)) {
    if (!d.node.writable) return fail(E_ROFS, 8);
    hostWrite(d.host, ptr, len, offset, ret);
    return ret;
  }
  if (d.node.kind == DIRECTORY) return fail(E_ISDIR, 8);
  if ((d.flags & WRITE) == 0) return fail(E_BADF, 8);
  const code = writeBytes(d.node, offset, ptr, len);
  return code ? fail(code, 8) : okU64(<u64>len);
}

export function read_directory(handle: u32): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 4);
  if (hostDescriptor(d)) {
    hostReadDirectory(d.host, ret);
    return load<u8>(ret) != 0 ? ret : okU32(addTo(entryStreams, new EntryStream(d.node, [], load<i32>(ret, 4))));
  }
  if (d.node.kind != DIRECTORY) return fail(E_NOTDIR, 4);
  return okU32(addTo(entryStreams, new EntryStream(d.node, entriesOf(d.node).keys())));
}

// result<option<directory-entry>, error-code>: option @4, type @8, name @12; error @4.
export function read_directory_entry(handle: u32): usize {
  enter();
  const stream = entryOf(entryStreams, handle);
  if (stream == null) return fail(E_BADF, 4);
  if (stream.host >= 0) {
    hostReadDirectoryEntry(stream.host, ret);
    return ret;
  }
  const children = entriesOf(stream.dir);
  while (stream.index < stream.names.length) {
    const name = stream.names[stream.index++];
    if (!children.has(name)) continue; // removed since the listing began
    const child = children.get(name);
    store<u8>(ret, 0);
    store<u8>(ret, 1, 4);
    store<u8>(ret, child.kind == HOST_MOUNT ? DIRECTORY : child.kind, 8);
    storeString(ret + 12, name);
    return ret;
  }
  store<u8>(ret, 0);
  store<u8>(ret, 0, 4);
  return ret;
}

// Where a new name would go. A name that exists is EEXIST even when a trailing slash
// made its symlink lead elsewhere (`mkdir link/` where link -> file, or -> nothing), as on POSIX.
function locateNew(handle: u32, ptr: usize, len: usize): bool {
  // `name/` where `name` is anything (a looping symlink too) is EEXIST, as Linux looks at it unfollowed.
  if (endsInSlash(ptr, len)) {
    const trimmed = withoutSlashes(ptr, len);
    if (!locate(handle, ptr, trimmed, false)) return false;
    if (!viaHost && resolvedNode != null) return failWith(E_EXIST);
  }
  if (locate(handle, ptr, len, false)) return slashFollowedLink && !viaHost ? failWith(E_EXIST) : true;
  if (error != E_NOTDIR) return false;
  const trimmed = withoutSlashes(ptr, len);
  if (trimmed == len || !locate(handle, ptr, trimmed, false) || resolvedNode == null) return failWith(E_NOTDIR);
  return failWith(E_EXIST);
}

// Where a path ends without its trailing slashes (0 for a path of slashes alone).
function lastEnd(ptr: usize, len: usize): usize {
  let end = len;
  while (end > 0 && load<u8>(ptr + end - 1) == 47) end--;
  return end;
}

// Where the component that ends at `end` starts: after the slash before it, or at 0.
function componentStart(ptr: usize, end: usize): usize {
  let start = end;
  while (start > 0 && load<u8>(ptr + start - 1) != 47) start--;
  return start;
}

// Whether a path's last component (trailing slashes aside) is longer than a name may be.
function lastNameTooLong(ptr: usize, len: usize): bool {
  const end = lastEnd(ptr, len);
  return <i32>(end - componentStart(ptr, end)) > NAME_MAX;
}

// A path's length without its trailing slashes (a lone `/` stays).
// Whether a path other than `/` alone ends in a slash (`name/`).
function endsInSlash(ptr: usize, len: usize): bool {
  return len > 1 && load<u8>(ptr + len - 1) == 47;
}

function withoutSlashes(ptr: usize, len: usize): usize {
  let end = len;
  while (end > 1 && load<u8>(ptr + end - 1) == 47) end--;
  return end;
}

// 1 when a path's last component is `.`, 2 when it is `..`, else 0 (trailing slashes aside).
function lastDots(ptr: usize, len: usize): u8 {
  const end = lastEnd(ptr, len);
  const start = componentStart(ptr, end);
  const n = end - start;
  if (n == 1 && load<u8>(ptr + start) == 46) return 1;
  if (n == 2 && load<u8>(ptr + start) == 46 && load<u8>(ptr + start + 1) == 46) return 2;
  return 0;
}

// Whether the directory part of a path (all but its last name) is a directory; else `error` says why.
function parentFound(handle: u32, ptr: usize, len: usize): bool {
  const end = componentStart(ptr, lastEnd(ptr, len));
  if (end == 0) return true; // a name in the descriptor's own directory
  if (!locate(handle, ptr, end, true)) return false;
  if (viaHost) return true;
  if (resolvedNode == null) return failWith(E_NOENT);
  return resolvedNode!.kind == DIRECTORY ? true : failWith(E_NOTDIR);
}

// Where a link or symlink is to be made: as for a directory, except that `name/` is looked at unfollowed.
function locateNewFile(handle: u32, ptr: usize, len: usize): bool {
  if (endsInSlash(ptr, len)) {
    // Linux looks at the name itself, unfollowed: something there is EEXIST, nothing there ENOENT.
    const trimmed = withoutSlashes(ptr, len);
    if (!locate(handle, ptr, trimmed, false)) return false;
    if (viaHost) return locate(handle, ptr, len, false);
    return failWith(resolvedNode != null ? E_EXIST : E_NOENT);
  }
  return locateNew(handle, ptr, len);
}

export function create_directory_at(handle: u32, ptr: usize, len: usize): usize {
  enter();
  if (!locateNew(handle, ptr, len)) return fail(error, 1);
  if (viaHost) {
    if (hostReadOnly()) return fail(E_ROFS, 1);
    hostCreateDirectoryAt(hostFd, hostPtr, hostLen, ret);
    return ret;
  }
  if (resolvedNode != null) return fail(E_EXIST, 1);
  const parent = resolvedParent!;
  if (!parent.writable) return fail(E_ROFS, 1);
  attach(parent, resolvedName, newNode(DIRECTORY, true, tick()));
  return ok();
}

// result<descriptor-stat, error-code>: stat @8; error @8.
export function stat(handle: u32): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 8);
  if (hostDescriptor(d)) {
    hostStat(d.host, ret);
    return ret;
  }
  store<u8>(ret, 0);
  writeStat(ret + 8, d.node);
  return ret;
}

export function stat_at(handle: u32, pathFlags: u32, ptr: usize, len: usize): usize {
  enter();
  if (!locate(handle, ptr, len, (pathFlags & SYMLINK_FOLLOW) != 0)) return fail(error, 8);
  if (viaHost) {
    hostStatAt(hostFd, pathFlags, hostPtr, hostLen, ret);
    return ret;
  }
  if (resolvedNode == null) return fail(E_NOENT, 8);
  store<u8>(ret, 0);
  writeStat(ret + 8, resolvedNode!);
  return ret;
}

export function set_times_at(
  handle: u32, pathFlags: u32, ptr: usize, len: usize,
  aTag: u32, aSec: u64, aNs: u32, mTag: u32, mSec: u64, mNs: u32,
): usize {
  enter();
  if (!locate(handle, ptr, len, (pathFlags & SYMLINK_FOLLOW) != 0)) return fail(error, 1);
  if (viaHost) {
    if (hostReadOnly()) return fail(E_ROFS, 1);
    hostSetTimesAt(hostFd, pathFlags, hostPtr, hostLen, aTag, aSec, aNs, mTag, mSec, mNs, ret);
    return ret;
  }
  if (resolvedNode == null) return fail(E_NOENT, 1);
  return setTimes(resolvedNode!, aTag, aSec, aNs, mTag, mSec, mNs);
}

// Two paths (link-at, rename-at): both virtual, or both at the host; else `cross-device`.
let firstViaHost = false;
let firstFd: i32 = -1;
let firstPtr: usize = 0;
let firstLen: usize = 0;
let firstReadOnly = false;
let firstPath: ArrayBuffer | null = null;

function locateFirst(handle: u32, ptr: usize, len: usize, followFinal: bool): bool {
  if (!locate(handle, ptr, len, followFinal)) return false;
  firstViaHost = viaHost;
  if (viaHost) {
    firstFd = hostFd;
    firstPtr = hostPtr;
    firstLen = hostLen;
    firstPath = hostPath;
    firstReadOnly = hostReadOnly();
  }
  return true;
}

export function link_at(handle: u32, oldFlags: u32, oldPtr: usize, oldLen: usize, newHandle: u32, newPtr: usize, newLen: usize): usize {
  enter();
  if (!locateFirst(handle, oldPtr, oldLen, (oldFlags & SYMLINK_FOLLOW) != 0)) return fail(error, 1);
  if (firstViaHost) {
    if (!locate(newHandle, newPtr, newLen, false)) return fail(error, 1);
    if (!viaHost) return fail(E_XDEV, 1);
    if (firstReadOnly || hostReadOnly()) return fail(E_ROFS, 1);
    hostLinkAt(firstFd, oldFlags, firstPtr, firstLen, hostFd, hostPtr, hostLen, ret);
    return ret;
  }
  const target = resolvedNode;
  if (target == null) return fail(E_NOENT, 1);
  // Linux looks up the new name before it refuses a directory: EEXIST and ENOENT come first.
  if (!locateNewFile(newHandle, newPtr, newLen)) return fail(error, 1);
  if (viaHost) return fail(E_XDEV, 1);
  if (resolvedNode != null) return fail(E_EXIST, 1);
  if (trailingSlash) return fail(E_NOENT, 1);
  if (target.kind == DIRECTORY) return fail(E_PERM, 1);
  const parent = resolvedParent!;
  if (!parent.writable || !target.writable) return fail(E_ROFS, 1);
  attach(parent, resolvedName, target);
  target.links++;
  touch(target, false);
  return ok();
}

// result<descriptor, error-code>: handle @4; error @4.
export function open_at(handle: u32, pathFlags: u32, ptr: usize, len: usize, openFlags: u32, flags: u32): usize {
  enter();
  // O_CREAT with a trailing slash is EISDIR on Linux once the directory is found, whatever the name is.
  if ((openFlags & O_CREATE) != 0 && len > 0 && load<u8>(ptr + len - 1) == 47) return fail(parentFound(handle, ptr, len) ? E_ISDIR : error, 4);
  // O_CREAT|O_EXCL never follows a final symlink: one there, even dangling, is EEXIST.
  const exclusive = (openFlags & O_CREATE) != 0 && (openFlags & O_EXCLUSIVE) != 0;
  if (!locate(handle, ptr, len, (pathFlags & SYMLINK_FOLLOW) != 0 && !exclusive)) return fail(error, 4);
  if (viaHost) {
    if (((flags & WRITE) != 0 || (openFlags & (O_CREATE | O_TRUNCATE)) != 0) && hostReadOnly()) return fail(E_ROFS, 4);
    hostOpenAt(hostFd, pathFlags, hostPtr, hostLen, openFlags, flags, ret);
    if (load<u8>(ret) != 0) return ret;
    const d = new Descriptor(hostMount!, flags, load<i32>(ret, 4), true);
    return okU32(addTo(descriptors, d));
  }
  let node = resolvedNode;
  if (node == null) {
    if ((openFlags & O_CREATE) == 0) return fail(E_NOENT, 4);
    if ((openFlags & O_DIRECTORY) != 0) return fail(E_INVAL, 4);
    if (trailingSlash) return fail(E_ISDIR, 4);
    const parent = resolvedParent!;
    if (!parent.writable) return fail(E_ROFS, 4);
    node = newNode(FILE, true, tick());
    attach(parent, resolvedName, node);
  } else {
    if ((openFlags & O_CREATE) != 0 && (openFlags & O_EXCLUSIVE) != 0) return fail(E_EXIST, 4);
    if (node.kind == SYMLINK) return fail((openFlags & O_DIRECTORY) != 0 ? E_NOTDIR : E_LOOP, 4);
    if ((openFlags & O_DIRECTORY) != 0 && node.kind != DIRECTORY) return fail(E_NOTDIR, 4);
    if (node.kind == DIRECTORY && ((flags & WRITE) != 0 || (openFlags & O_TRUNCATE) != 0)) return fail(E_ISDIR, 4);
    if (((flags & WRITE) != 0 || (openFlags & O_TRUNCATE) != 0) && !node.writable) return fail(E_ROFS, 4);
    if ((openFlags & O_TRUNCATE) != 0) resize(node, 0);
  }
  return okU32(newDescriptor(node, flags));
}

export function readlink_at(handle: u32, ptr: usize, len: usize): usize {
  enter();
  if (!locate(handle, ptr, len, false)) return fail(error, 4);
  if (viaHost) {
    hostReadlinkAt(hostFd, hostPtr, hostLen, ret);
    return ret;
  }
  if (resolvedNode == null) return fail(E_NOENT, 4);
  if (resolvedNode!.kind != SYMLINK) return fail(E_INVAL, 4);
  return okString(resolvedNode!.target);
}

export function remove_directory_at(handle: u32, ptr: usize, len: usize): usize {
  enter();
  if (!locate(handle, ptr, len, false)) {
    // `link/` where the link loops: Linux looks at `link` itself first, and removes no directory through a link.
    const first = error;
    if (first == E_LOOP && endsInSlash(ptr, len) && locate(handle, ptr, withoutSlashes(ptr, len), false) && !viaHost
      && resolvedNode != null && resolvedNode!.kind == SYMLINK) return fail(E_NOTDIR, 1);
    return fail(first, 1);
  }
  if (viaHost) {
    if (hostReadOnly()) return fail(E_ROFS, 1);
    hostRemoveDirectoryAt(hostFd, hostPtr, hostLen, ret);
    return ret;
  }
  const node = resolvedNode;
  if (slashFollowedLink) return fail(E_NOTDIR, 1);
  if (node == null) return fail(E_NOENT, 1);
  if (node.kind != DIRECTORY) return fail(E_NOTDIR, 1);
  if (resolvedName.length == 0) return fail(lastDots(ptr, len) == 2 ? E_NOTEMPTY : E_INVAL, 1);
  if (hasEntries(node)) return fail(E_NOTEMPTY, 1);
  const parent = resolvedParent!;
  if (!parent.writable) return fail(E_ROFS, 1);
  detach(parent, resolvedName, node);
  return ok();
}

function isAncestor(dir: Node, node: Node): bool {
  for (let n: Node | null = node; n != null; n = n.parent) if (n == dir) return true;
  return false;
}

export function rename_at(handle: u32, oldPtr: usize, oldLen: usize, newHandle: u32, newPtr: usize, newLen: usize): usize {
  enter();
  // Linux finds both paths' directories first, then refuses `.` and `..`, and only then looks at the names.
  if (!parentFound(handle, oldPtr, oldLen) || !parentFound(newHandle, newPtr, newLen)) return fail(error, 1);
  if (lastDots(oldPtr, oldLen) || lastDots(newPtr, newLen)) return fail(E_BUSY, 1);
  // `old/` names `old` itself, unfollowed: when that is no directory (a symlink included), the new name is
  // looked up (ENAMETOOLONG) before the trailing slash is refused (ENOTDIR).
  if (endsInSlash(oldPtr, oldLen)) {
    const trimmed = withoutSlashes(oldPtr, oldLen);
    if (!locate(handle, oldPtr, trimmed, false)) return fail(error, 1);
    if (!viaHost) {
      if (resolvedNode == null) return fail(E_NOENT, 1);
      if (resolvedNode!.kind != DIRECTORY && resolvedNode!.kind != HOST_MOUNT) return fail(lastNameTooLong(newPtr, newLen) ? E_NAMETOOLONG : E_NOTDIR, 1);
    }
  }
  if (!locateFirst(handle, oldPtr, oldLen, false)) return fail(error, 1);
  if (firstViaHost) {
    if (!locate(newHandle, newPtr, newLen, false)) return fail(error, 1);
    if (!viaHost) return fail(E_XDEV, 1);
    if (firstReadOnly || hostReadOnly()) return fail(E_ROFS, 1);
    hostRenameAt(firstFd, firstPtr, firstLen, hostFd, hostPtr, hostLen, ret);
    return ret;
  }
  const node = resolvedNode;
  if (slashFollowedLink) return fail(E_NOTDIR, 1);
  if (node == null) return fail(E_NOENT, 1);
  // Renaming `.` or `..` (or onto one) is EBUSY on Linux, once both paths' directories are found.
  const oldBusy = resolvedName.length == 0;
  const oldParent = resolvedParent;
  const oldName = resolvedName;
  // `new/` names `new` itself, unfollowed: what is there must be a directory, and so must the source.
  if (endsInSlash(newPtr, newLen)) {
    const trimmed = withoutSlashes(newPtr, newLen);
    if (!locate(newHandle, newPtr, trimmed, false)) return fail(error, 1);
    if (!viaHost && (node.kind != DIRECTORY || (resolvedNode != null && resolvedNode!.kind != DIRECTORY))) return fail(E_NOTDIR, 1);
  }
  if (!locate(newHandle, newPtr, newLen, false)) return fail(error, 1);
  if (viaHost) return fail(E_XDEV, 1);
  if (oldBusy || resolvedName.length == 0) return fail(lastDots(oldPtr, oldLen) || lastDots(newPtr, newLen) ? E_BUSY : E_INVAL, 1);
  if (slashFollowedLink) return fail(E_NOTDIR, 1);
  // A trailing slash asks for a directory: a file cannot be renamed to `name/`.
  if (trailingSlash && node.kind != DIRECTORY) return fail(E_NOTDIR, 1);
  const newParent = resolvedParent!;
  const existing = resolvedNode;
  if (!oldParent!.writable || !newParent.writable) return fail(E_ROFS, 1);
  if (existing == node) return ok();
  if (node.kind == DIRECTORY && isAncestor(node, newParent)) return fail(E_INVAL, 1);
  if (existing != null) {
    // The target holds the source (Linux's rename "trap"): it cannot be empty.
    if (existing.kind == DIRECTORY && isAncestor(existing, oldParent!)) return fail(E_NOTEMPTY, 1);
    if (node.kind == DIRECTORY && existing.kind != DIRECTORY) return fail(E_NOTDIR, 1);
    if (node.kind != DIRECTORY && existing.kind == DIRECTORY) return fail(E_ISDIR, 1);
    if (existing.kind == DIRECTORY && hasEntries(existing)) return fail(E_NOTEMPTY, 1);
    detach(newParent, resolvedName, existing);
    unlinked(existing);
  }
  detach(oldParent!, oldName, node);
  attach(newParent, resolvedName, node);
  return ok();
}

export function symlink_at(handle: u32, targetPtr: usize, targetLen: usize, ptr: usize, len: usize): usize {
  enter();
  const target = pathArg(targetPtr, targetLen);
  if (descriptorOf(handle) == null) return fail(E_BADF, 1);
  if (target.length > 0 && target.charCodeAt(0) == 47) return fail(E_PERM, 1);
  if (!locateNewFile(handle, ptr, len)) return fail(error, 1);
  if (viaHost) {
    if (hostReadOnly()) return fail(E_ROFS, 1);
    if (!staysBelowLink(target)) return fail(E_PERM, 1);
    hostSymlinkAt(hostFd, targetPtr, targetLen, hostPtr, hostLen, ret);
    return ret;
  }
  if (resolvedNode != null) return fail(E_EXIST, 1);
  if (trailingSlash) return fail(E_NOENT, 1); // `name/` asks for a directory that is not there
  const parent = resolvedParent!;
  if (!parent.writable) return fail(E_ROFS, 1);
  const link = newNode(SYMLINK, true, tick());
  link.target = target;
  attach(parent, resolvedName, link);
  return ok();
}

export function unlink_file_at(handle: u32, ptr: usize, len: usize): usize {
  enter();
  // `name/`: Linux looks at `name` itself, unfollowed: nothing there is ENOENT, a directory EISDIR, else ENOTDIR.
  if (endsInSlash(ptr, len)) {
    const trimmed = withoutSlashes(ptr, len);
    if (!locate(handle, ptr, trimmed, false)) return fail(error, 1);
    if (!viaHost) return fail(resolvedNode == null ? E_NOENT : resolvedNode!.kind == DIRECTORY || resolvedNode!.kind == HOST_MOUNT ? E_ISDIR : E_NOTDIR, 1);
  }
  if (!locate(handle, ptr, len, false)) return fail(error, 1);
  if (viaHost) {
    if (hostReadOnly()) return fail(E_ROFS, 1);
    hostUnlinkFileAt(hostFd, hostPtr, hostLen, ret);
    return ret;
  }
  const node = resolvedNode;
  if (slashFollowedLink) return fail(E_NOTDIR, 1);
  if (node == null) return fail(E_NOENT, 1);
  if (node.kind == DIRECTORY || node.kind == HOST_MOUNT) return fail(E_ISDIR, 1);
  const parent = resolvedParent!;
  if (!parent.writable) return fail(E_ROFS, 1);
  detach(parent, resolvedName, node);
  unlinked(node);
  touch(node, false);
  return ok();
}

export function is_same_object(handle: u32, other: u32): u32 {
  enter();
  const a = descriptorOf(handle);
  const b = descriptorOf(other);
  if (a == null || b == null) return 0;
  if (hostDescriptor(a) || hostDescriptor(b)) return hostDescriptor(a) && hostDescriptor(b) ? hostIsSameObject(a.host, b.host) : 0;
  return a.node == b.node ? 1 : 0;
}

// result<metadata-hash-value, error-code>: lower @8, upper @16; error @8.
function hashOf(node: Node): usize {
  store<u8>(ret, 0);
  store<u64>(ret, node.ino, 8);
  store<u64>(ret, node.mtime, 16);
  return ret;
}

export function metadata_hash(handle: u32): usize {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return fail(E_BADF, 8);
  if (hostDescriptor(d)) {
    hostMetadataHash(d.host, ret);
    return ret;
  }
  return hashOf(d.node);
}

export function metadata_hash_at(handle: u32, pathFlags: u32, ptr: usize, len: usize): usize {
  enter();
  if (!locate(handle, ptr, len, (pathFlags & SYMLINK_FOLLOW) != 0)) return fail(error, 8);
  if (viaHost) {
    hostMetadataHashAt(hostFd, pathFlags, hostPtr, hostLen, ret);
    return ret;
  }
  if (resolvedNode == null) return fail(E_NOENT, 8);
  return hashOf(resolvedNode!);
}

export function drop_descriptor(handle: u32): void {
  enter();
  const d = descriptorOf(handle);
  if (d == null) return;
  if (d.ownsHost) hostDropDescriptor(d.host);
  descriptors[handle] = null;
}

export function drop_directory_entry_stream(handle: u32): void {
  enter();
  const stream = entryOf(entryStreams, handle);
  if (stream == null) return;
  if (stream.host >= 0) hostDropDirectoryEntryStream(stream.host);
  entryStreams[handle] = null;
}

// list<tuple<descriptor, string>>: (ptr, len) @0; elements of 12 bytes: handle, name ptr, name len.
// A host mount whose preopen the host does not offer is left out.
export function get_directories(): usize {
  enter();
  while (preopens.length < preopenIndexes.length) preopens.push(layoutNode(preopenIndexes[preopens.length]));
  const list = resultBuffer(12 * preopens.length);
  let count = 0;
  for (let i = 0; i < preopens.length; i++) {
    const root = preopens[i];
    const flags = READ | (root.writable ? MUTATE_DIRECTORY : 0);
    let handle: u32;
    if (root.kind == HOST_MOUNT) {
      const host = hostRootOf(root);
      if (host < 0) continue;
      handle = addTo(descriptors, new Descriptor(root, flags, host, false));
    } else {
      handle = newDescriptor(root, flags);
    }
    const at = list + 12 * count++;
    store<u32>(at, handle);
    storeString(at + 4, preopenNames[i]);
  }
  store<u32>(ret, <u32>list);
  store<u32>(ret, <u32>count, 4);
  return ret;
}

// --- file streams: results are result<_, stream-error>; stream-error 1 is `closed` ---------

function streamOf(handle: u32): FileStream | null {
  return entryOf(fileStreams, handle);
}

function closed(payloadOffset: usize): usize {
  store<u8>(ret, 1);
  store<u8>(ret + payloadOffset, 1);
  return ret;
}

// The host's size of a host file, for appends; -1 when the host cannot say.
function hostSize(fd: i32): i64 {
  hostStat(fd, hostRet);
  return load<u8>(hostRet) != 0 ? -1 : load<i64>(hostRet, 24);
}

export function stream_read(handle: u32, len: u64): usize {
  enter();
  const s = streamOf(handle);
  if (s == null) return closed(4);
  if (s.host >= 0) {
    hostRead(s.host, len, s.position, hostRet);
    const count = load<u32>(hostRet, 8);
    if (load<u8>(hostRet) != 0 || (count == 0 && len > 0)) return closed(4);
    s.position += <u64>count;
    return okList(load<u32>(hostRet, 4), count);
  }
  if (s.position >= s.node.size) return closed(4);
  const dst = readBytes(s.node, s.position, len);
  s.position += <u64>lastCount;
  return okList(dst, lastCount);
}

export function stream_skip(handle: u32, len: u64): usize {
  enter();
  const s = streamOf(handle);
  if (s == null) return closed(8);
  const size: u64 = s.host >= 0 ? <u64>hostSize(s.host) : s.node.size;
  if (s.position >= size) return closed(8);
  const left = size - s.position;
  const n = len < left ? len : left;
  s.position += n;
  return okU64(n);
}

export function stream_check_write(handle: u32): usize {
  enter();
  return streamOf(handle) == null ? closed(8) : okU64(1 << 20);
}

// `err(last-operation-failed(code))`: the u32 is an error-code, which the io group makes an io error that
// `filesystem-error-code` answers.
function lastOperationFailed(code: u8): usize {
  store<u8>(ret, 1);
  store<u8>(ret, 0, 4);
  store<u32>(ret, code, 8);
  return ret;
}

const CLOSED: i32 = -1;

// 0, CLOSED (a stream that cannot write), or the error-code of a write that failed (out of room).
function streamWrite(s: FileStream, ptr: usize, len: usize): i32 {
  if (!s.node.writable) return CLOSED;
  if (s.host >= 0) {
    if (s.append) {
      const size = hostSize(s.host);
      if (size < 0) return CLOSED;
      s.position = <u64>size;
    }
    hostWrite(s.host, ptr, len, s.position, hostRet);
    if (load<u8>(hostRet) != 0) return CLOSED;
  } else {
    if (s.append) s.position = s.node.size;
    const code = writeBytes(s.node, s.position, ptr, len);
    if (code != 0) return code;
  }
  s.position += <u64>len;
  return 0;
}

function streamWriteResult(outcome: i32): usize {
  return outcome == 0 ? ok() : outcome == CLOSED ? closed(4) : lastOperationFailed(<u8>outcome);
}

export function stream_write(handle: u32, ptr: usize, len: usize): usize {
  enter();
  const s = streamOf(handle);
  return s == null ? closed(4) : streamWriteResult(streamWrite(s, ptr, len));
}

export function stream_write_zeroes(handle: u32, len: u64): usize {
  enter();
  const s = streamOf(handle);
  if (s == null) return closed(4);
  if (len > memoryLimit) return lastOperationFailed(E_NOSPC);
  const zeroes = heap.alloc(<usize>len + 1);
  memory.fill(zeroes, 0, <usize>len);
  const outcome = streamWrite(s, zeroes, <usize>len);
  heap.free(zeroes);
  return streamWriteResult(outcome);
}

export function drop_stream(handle: u32): void {
  enter();
  if (handle < <u32>fileStreams.length) fileStreams[handle] = null;
}
