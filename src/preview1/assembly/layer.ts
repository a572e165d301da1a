// virt's preview-1 layer: the `wasi_snapshot_preview1` functions over WASI 0.2,
// as a wit-component adapter. It shares the app's memory (`env.memory`), so it
// may hold no data segment, table or memory of its own: it keeps its state in
// pages it grows the app's memory by, and its constants in code. wit-component
// keeps only the functions the app imports, and the WASI 0.2 imports those call.
//
// Canonical ABI layouts used below (offsets into a return area):
//   result<_, error-code>                tag @0, error @1
//   result<own<T>, error-code>           tag @0, handle or error @4
//   result<string or list, error-code>   tag @0, ptr @4, len @8 (error @4)
//   result<u64 or record, error-code>    tag @0, value or error @8
//   descriptor-stat                      type @0, link-count @8, size @16, 3 × option<datetime> @24, @48, @72
//   option<datetime>                     tag @0, seconds @8, nanoseconds @16

// ---- imports -------------------------------------------------------------

@external("wasi:cli/environment@0.2.12", "get-arguments") declare function getArguments(ret: u32): void;
@external("wasi:cli/environment@0.2.12", "get-environment") declare function getEnvironment(ret: u32): void;
@external("wasi:cli/environment@0.2.12", "initial-cwd") declare function initialCwd(ret: u32): void;
@external("wasi:cli/exit@0.2.12", "exit") declare function exit(status: u32): void;
@external("wasi:cli/exit@0.2.12", "exit-with-code") declare function exitWithCode(code: u32): void;
@external("wasi:cli/stdin@0.2.12", "get-stdin") declare function getStdin(): u32;
@external("wasi:cli/stdout@0.2.12", "get-stdout") declare function getStdout(): u32;
@external("wasi:cli/stderr@0.2.12", "get-stderr") declare function getStderr(): u32;
@external("wasi:cli/terminal-stdin@0.2.12", "get-terminal-stdin") declare function getTerminalStdin(ret: u32): void;
@external("wasi:cli/terminal-stdout@0.2.12", "get-terminal-stdout") declare function getTerminalStdout(ret: u32): void;
@external("wasi:cli/terminal-stderr@0.2.12", "get-terminal-stderr") declare function getTerminalStderr(ret: u32): void;
@external("wasi:cli/terminal-input@0.2.12", "[resource-drop]terminal-input") declare function dropTerminalInput(h: u32): void;
@external("wasi:cli/terminal-output@0.2.12", "[resource-drop]terminal-output") declare function dropTerminalOutput(h: u32): void;
@external("wasi:clocks/wall-clock@0.2.12", "now") declare function wallNow(ret: u32): void;
@external("wasi:clocks/wall-clock@0.2.12", "resolution") declare function wallResolution(ret: u32): void;
@external("wasi:clocks/monotonic-clock@0.2.12", "now") declare function monotonicNow(): u64;
@external("wasi:clocks/monotonic-clock@0.2.12", "resolution") declare function monotonicResolution(): u64;
@external("wasi:clocks/monotonic-clock@0.2.12", "subscribe-duration") declare function subscribeDuration(ns: u64): u32;
@external("wasi:clocks/monotonic-clock@0.2.12", "subscribe-instant") declare function subscribeInstant(ns: u64): u32;
@external("wasi:random/random@0.2.12", "get-random-bytes") declare function getRandomBytes(len: u64, ret: u32): void;
@external("wasi:io/poll@0.2.12", "poll") declare function poll(ptr: u32, len: u32, ret: u32): void;
@external("wasi:io/poll@0.2.12", "[resource-drop]pollable") declare function dropPollable(h: u32): void;
@external("wasi:io/error@0.2.12", "[resource-drop]error") declare function dropError(h: u32): void;
@external("wasi:io/streams@0.2.12", "[method]input-stream.read") declare function streamRead(s: u32, len: u64, ret: u32): void;
@external("wasi:io/streams@0.2.12", "[method]input-stream.blocking-read") declare function streamBlockingRead(s: u32, len: u64, ret: u32): void;
@external("wasi:io/streams@0.2.12", "[method]input-stream.subscribe") declare function inputSubscribe(s: u32): u32;
@external("wasi:io/streams@0.2.12", "[method]output-stream.blocking-write-and-flush") declare function streamWrite(s: u32, ptr: u32, len: u32, ret: u32): void;
@external("wasi:io/streams@0.2.12", "[method]output-stream.subscribe") declare function outputSubscribe(s: u32): u32;
@external("wasi:io/streams@0.2.12", "[resource-drop]input-stream") declare function dropInputStream(h: u32): void;
@external("wasi:io/streams@0.2.12", "[resource-drop]output-stream") declare function dropOutputStream(h: u32): void;
@external("wasi:filesystem/preopens@0.2.12", "get-directories") declare function getDirectories(ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "filesystem-error-code") declare function filesystemErrorCode(err: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[resource-drop]descriptor") declare function dropDescriptor(h: u32): void;
@external("wasi:filesystem/types@0.2.12", "[resource-drop]directory-entry-stream") declare function dropDirStream(h: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.read") declare function fsRead(d: u32, len: u64, offset: u64, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.write") declare function fsWrite(d: u32, ptr: u32, len: u32, offset: u64, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.append-via-stream") declare function fsAppendStream(d: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.advise") declare function fsAdvise(d: u32, offset: u64, len: u64, advice: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.sync-data") declare function fsSyncData(d: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.sync") declare function fsSync(d: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.get-flags") declare function fsGetFlags(d: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.get-type") declare function fsGetType(d: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.set-size") declare function fsSetSize(d: u32, size: u64, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.set-times") declare function fsSetTimes(d: u32, aTag: u32, aSec: u64, aNsec: u32, mTag: u32, mSec: u64, mNsec: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.read-directory") declare function fsReadDirectory(d: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.create-directory-at") declare function fsCreateDirectoryAt(d: u32, ptr: u32, len: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.stat") declare function fsStat(d: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.stat-at") declare function fsStatAt(d: u32, flags: u32, ptr: u32, len: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.set-times-at") declare function fsSetTimesAt(d: u32, flags: u32, ptr: u32, len: u32, aTag: u32, aSec: u64, aNsec: u32, mTag: u32, mSec: u64, mNsec: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.link-at") declare function fsLinkAt(d: u32, flags: u32, ptr: u32, len: u32, to: u32, toPtr: u32, toLen: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.open-at") declare function fsOpenAt(d: u32, flags: u32, ptr: u32, len: u32, open: u32, descriptor: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.readlink-at") declare function fsReadlinkAt(d: u32, ptr: u32, len: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.remove-directory-at") declare function fsRemoveDirectoryAt(d: u32, ptr: u32, len: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.rename-at") declare function fsRenameAt(d: u32, ptr: u32, len: u32, to: u32, toPtr: u32, toLen: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.symlink-at") declare function fsSymlinkAt(d: u32, ptr: u32, len: u32, toPtr: u32, toLen: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.unlink-file-at") declare function fsUnlinkFileAt(d: u32, ptr: u32, len: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.metadata-hash") declare function fsMetadataHash(d: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]descriptor.metadata-hash-at") declare function fsMetadataHashAt(d: u32, flags: u32, ptr: u32, len: u32, ret: u32): void;
@external("wasi:filesystem/types@0.2.12", "[method]directory-entry-stream.read-directory-entry") declare function readDirectoryEntry(s: u32, ret: u32): void;
@external("__main_module__", "_start") declare function mainStart(): void;

// ---- preview-1 constants ---------------------------------------------------

const SUCCESS: u32 = 0;
const EBADF: u32 = 8;
const EINVAL: u32 = 28;
const EIO: u32 = 29;
const EISDIR: u32 = 31;
const ENOTDIR: u32 = 54;
const ENOTSOCK: u32 = 57;
const ENAMETOOLONG: u32 = 37;
const ENOTSUP: u32 = 58;
const ESPIPE: u32 = 70;

const FILETYPE_UNKNOWN: u8 = 0;
const FILETYPE_CHARACTER_DEVICE: u8 = 2;
const FILETYPE_DIRECTORY: u8 = 3;

const FDFLAGS_APPEND: u32 = 1;
const FDFLAGS_DSYNC: u32 = 2;
const FDFLAGS_NONBLOCK: u32 = 4;
const FDFLAGS_RSYNC: u32 = 8;
const FDFLAGS_SYNC: u32 = 16;

const RIGHTS_FD_READ: u64 = 1 << 1;
const RIGHTS_FD_WRITE: u64 = 1 << 6;
const RIGHTS_FD_READDIR: u64 = 1 << 14;
// What a directory grants (its path_* rights, readdir and filestat rights), and what files opened in it may get.
const DIRECTORY_RIGHTS: u64 = 0x7b7fe00;
const DIRECTORY_INHERITING: u64 = 0xff7ffff;
const ALL_RIGHTS: u64 = ~0;

// WASI 0.2 descriptor-flags.
const DF_READ: u32 = 1;
const DF_WRITE: u32 = 2;
const DF_FILE_SYNC: u32 = 4;
const DF_DATA_SYNC: u32 = 8;
const DF_REQUESTED_SYNC: u32 = 16;
const DF_MUTATE_DIRECTORY: u32 = 32;
const DT_DIRECTORY: u8 = 3;

// ---- memory: pages of the app's memory that the layer grows for itself -----

let ret: u32 = 0; // a return area for calls to WASI 0.2, 256 bytes (a second one from ret + 128)
let heapTop: u32 = 0; // what the layer keeps for good (preopen names), bumped
let heapEnd: u32 = 0;
let arenaBase: u32 = 0; // what one call's imports return, freed when the next call starts
let arenaTop: u32 = 0;
let arenaEnd: u32 = 0;
let arenaSize: u32 = 0x10000;
let direct: u32 = 0; // where the next list an import returns goes, when it fits (a read into the app's buffer)
let directLen: u32 = 0;

function grow(bytes: u32): u32 {
  const pages = (bytes + 0xffff) >>> 16;
  const old = memory.grow(<i32>pages);
  if (old < 0) unreachable();
  return <u32>old << 16;
}

function alignUp(ptr: u32, align: u32): u32 {
  return (ptr + align - 1) & ~(align - 1);
}

function keep(size: u32): u32 {
  let ptr = alignUp(heapTop, 8);
  if (ptr + size > heapEnd) {
    ptr = grow(size > 0x10000 ? size : 0x10000);
    heapEnd = ptr + (size > 0x10000 ? alignUp(size, 0x10000) : 0x10000);
  }
  heapTop = ptr + size;
  return ptr;
}

/** The realloc that wit-component gives the layer's imports: a read goes straight to the app's buffer. */
export function cabi_import_realloc(old: u32, oldSize: u32, align: u32, size: u32): u32 {
  if (old != 0) unreachable();
  if (direct != 0 && size <= directLen) {
    const ptr = direct;
    direct = 0;
    return ptr;
  }
  let ptr = alignUp(arenaTop, align);
  if (ptr + size > arenaEnd) {
    // Earlier allocations of this call stay where they are; the arena moves to new pages, twice as many.
    arenaSize = max(arenaSize << 1, alignUp(size + align, 0x10000));
    const bytes = arenaSize;
    arenaBase = grow(bytes);
    arenaEnd = arenaBase + bytes;
    ptr = alignUp(arenaBase, align);
  }
  arenaTop = ptr + size;
  return ptr;
}

// ---- the descriptor table ------------------------------------------------

// An entry, 32 bytes: kind u8 @0, flags u8 @1, its descriptor-type + 1 u8 @2 (0 until asked),
// handle u32 @4 (descriptor or stream), position u64 @8,
// preopen name ptr u32 @16 and length @20, append stream u32 @24.
const ENTRY: u32 = 32;
const KIND_FREE: u8 = 0;
const KIND_STDIN: u8 = 1;
const KIND_STDOUT: u8 = 2;
const KIND_STDERR: u8 = 3;
const KIND_FILE: u8 = 4;
const FLAG_APPEND: u8 = 1;
const FLAG_NONBLOCK: u8 = 2;
const FLAG_PREOPEN: u8 = 4;
const FLAG_STREAM: u8 = 8; // a stdio entry's stream has been fetched
const FLAG_READ: u8 = 16; // a file opened for reading
const FLAG_WRITE: u8 = 32; // a file opened for writing

let table: u32 = 0;
let capacity: u32 = 0;

// The address of the app's `__wasilibc_cwd`, which the build sets where it finds one (src/preview1/cwd-slot.ts).
let cwdSlot: u32 = 0x7ffffff0;

/** Starts every call: sets up the layer on the first one, and frees the previous call's imports. */
function enter(): void {
  if (table == 0) setUp();
  arenaTop = arenaBase;
  direct = 0;
}

function setUp(): void {
  const page = grow(0x10000);
  ret = page;
  heapTop = page + 256;
  heapEnd = page + 0x10000;
  arenaBase = grow(0x10000);
  arenaTop = arenaBase;
  arenaEnd = arenaBase + 0x10000;
  capacity = 64;
  table = keep(capacity * ENTRY);
  memory.fill(table, 0, capacity * ENTRY);
  // Read once; the write also keeps the optimizer from folding the placeholder away.
  const slot = cwdSlot;
  cwdSlot = 0;
  if (slot != 0x7ffffff0) {
    // wasi-libc's working directory, as the host's `initial-cwd` says, before the app resolves a path.
    initialCwd(ret);
    const len = load<u32>(ret, 8);
    if (load<u8>(ret) == 1 && len > 0 && load<u8>(load<u32>(ret, 4)) == 0x2f) {
      const path = keep(len + 1);
      memory.copy(path, load<u32>(ret, 4), len);
      store<u8>(path + len, 0);
      store<u32>(slot, path);
    }
  }
  store<u8>(table, KIND_STDIN);
  store<u8>(table + ENTRY, KIND_STDOUT);
  store<u8>(table + 2 * ENTRY, KIND_STDERR);
  getDirectories(ret);
  const list = load<u32>(ret);
  const count = load<u32>(ret, 4);
  for (let i: u32 = 0; i < count; i++) {
    const item = list + i * 12;
    const len = load<u32>(item, 8);
    const name = keep(len);
    memory.copy(name, load<u32>(item, 4), len);
    const entry = table + (3 + i) * ENTRY;
    store<u8>(entry, KIND_FILE);
    store<u8>(entry, FLAG_PREOPEN, 1);
    store<u8>(entry, DT_DIRECTORY + 1, 2);
    store<u32>(entry, load<u32>(item), 4);
    store<u32>(entry, name, 16);
    store<u32>(entry, len, 20);
  }
}

function entryOf(fd: u32): u32 {
  if (fd >= capacity) return 0;
  const entry = table + fd * ENTRY;
  return load<u8>(entry) == KIND_FREE ? 0 : entry;
}

function fileOf(fd: u32): u32 {
  const entry = entryOf(fd);
  return entry != 0 && load<u8>(entry) == KIND_FILE ? entry : 0;
}

// The errno of the last `dirOf` or `regularOf` that found no such entry.
let fault: u32 = 0;

/** The descriptor-type of a file entry, asked once. */
function typeOf(entry: u32): u8 {
  if (load<u8>(entry, 2) == 0) {
    fsGetType(load<u32>(entry, 4), ret);
    store<u8>(entry, load<u8>(ret) == 0 ? load<u8>(ret, 1) + 1 : 1, 2);
  }
  return load<u8>(entry, 2) - 1;
}

/** A directory's entry; a file is ENOTDIR, anything else EBADF. */
function dirOf(fd: u32): u32 {
  const entry = fileOf(fd);
  fault = entry == 0 ? EBADF : ENOTDIR;
  return entry != 0 && typeOf(entry) == DT_DIRECTORY ? entry : 0;
}

/** A file's entry, not a directory's (EBADF); a stream is `stream` (EINVAL, or ESPIPE where it cannot seek). */
function regularOf(fd: u32, stream: u32): u32 {
  const entry = entryOf(fd);
  if (entry == 0) { fault = EBADF; return 0; }
  if (load<u8>(entry) != KIND_FILE) { fault = stream; return 0; }
  fault = EBADF;
  return typeOf(entry) == DT_DIRECTORY ? 0 : entry;
}

/** The lowest free descriptor number, growing the table when all are taken. */
function freeFd(): u32 {
  for (let fd: u32 = 3; fd < capacity; fd++) if (load<u8>(table + fd * ENTRY) == KIND_FREE) return fd;
  const bigger = keep(capacity * 2 * ENTRY);
  memory.copy(bigger, table, capacity * ENTRY);
  memory.fill(bigger + capacity * ENTRY, 0, capacity * ENTRY);
  const fd = capacity;
  table = bigger;
  capacity *= 2;
  return fd;
}

function stdioStream(entry: u32): u32 {
  if ((load<u8>(entry, 1) & FLAG_STREAM) == 0) {
    const kind = load<u8>(entry);
    store<u32>(entry, kind == KIND_STDIN ? getStdin() : kind == KIND_STDOUT ? getStdout() : getStderr(), 4);
    store<u8>(entry, load<u8>(entry, 1) | FLAG_STREAM, 1);
  }
  return load<u32>(entry, 4);
}

function release(entry: u32): void {
  const kind = load<u8>(entry);
  const handle = load<u32>(entry, 4);
  if (kind == KIND_FILE) {
    const append = load<u32>(entry, 24);
    if (append != 0) dropOutputStream(append);
    dropDescriptor(handle);
  } else if ((load<u8>(entry, 1) & FLAG_STREAM) != 0) {
    if (kind == KIND_STDIN) dropInputStream(handle);
    else dropOutputStream(handle);
  }
  if (dirFd == <i32>((entry - table) / ENTRY)) forgetDirStream();
  memory.fill(entry, 0, ENTRY);
}

// ---- errors --------------------------------------------------------------

/** A WASI 0.2 `error-code` as a preview-1 errno (the two lists name the same errors, in another order). */
function errno(code: u32): u32 {
  switch (code) {
    case 0: return 2; // access
    case 1: return 6; // would-block
    case 2: return 7; // already
    case 3: return 8; // bad-descriptor
    case 4: return 10; // busy
    case 5: return 16; // deadlock
    case 6: return 19; // quota
    case 7: return 20; // exist
    case 8: return 22; // file-too-large
    case 9: return 25; // illegal-byte-sequence
    case 10: return 26; // in-progress
    case 11: return 27; // interrupted
    case 12: return 28; // invalid
    case 13: return 29; // io
    case 14: return 31; // is-directory
    case 15: return 32; // loop
    case 16: return 34; // too-many-links
    case 17: return 35; // message-size
    case 18: return 37; // name-too-long
    case 19: return 43; // no-device
    case 20: return 44; // no-entry
    case 21: return 46; // no-lock
    case 22: return 48; // insufficient-memory
    case 23: return 51; // insufficient-space
    case 24: return 54; // not-directory
    case 25: return 55; // not-empty
    case 26: return 56; // not-recoverable
    case 27: return 58; // unsupported
    case 28: return 59; // no-tty
    case 29: return 60; // no-such-device
    case 30: return 61; // overflow
    case 31: return 63; // not-permitted
    case 32: return 64; // pipe
    case 33: return 69; // read-only
    case 34: return 70; // invalid-seek
    case 35: return 74; // text-file-busy
    case 36: return 75; // cross-device
    default: return EIO;
  }
}

/** The errno of a `result<_, error-code>` in the return area, or 0. */
function unit(): u32 {
  return load<u8>(ret) == 0 ? SUCCESS : errno(load<u8>(ret, 1));
}

/** The errno of a stream error (variant tag @0, error handle @4, at `at`): closed is `closed`. */
function streamErrno(at: u32, closed: u32): u32 {
  if (load<u8>(at) == 1) return closed;
  const error = load<u32>(at, 4);
  filesystemErrorCode(error, ret);
  const code = load<u8>(ret) == 1 ? errno(load<u8>(ret, 1)) : EIO;
  dropError(error);
  return code;
}

// ---- args, environ, clocks, random, proc ---------------------------------

function listSizes(get: u32, countPtr: u32, sizePtr: u32): u32 {
  enter();
  if (get == 0) getArguments(ret); else getEnvironment(ret);
  const list = load<u32>(ret);
  const count = load<u32>(ret, 4);
  const width: u32 = get == 0 ? 8 : 16;
  let size: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const item = list + i * width;
    size += load<u32>(item, 4) + 1 + (get == 0 ? 0 : load<u32>(item, 12) + 1);
  }
  store<u32>(countPtr, count);
  store<u32>(sizePtr, size);
  return SUCCESS;
}

function listCopy(get: u32, pointers: u32, buf: u32): u32 {
  enter();
  if (get == 0) getArguments(ret); else getEnvironment(ret);
  const list = load<u32>(ret);
  const count = load<u32>(ret, 4);
  let at = buf;
  for (let i: u32 = 0; i < count; i++) {
    store<u32>(pointers + i * 4, at);
    if (get == 0) {
      const item = list + i * 8;
      memory.copy(at, load<u32>(item), load<u32>(item, 4));
      at += load<u32>(item, 4);
    } else {
      const item = list + i * 16;
      memory.copy(at, load<u32>(item), load<u32>(item, 4));
      at += load<u32>(item, 4);
      store<u8>(at++, 0x3d); // '='
      memory.copy(at, load<u32>(item, 8), load<u32>(item, 12));
      at += load<u32>(item, 12);
    }
    store<u8>(at++, 0);
  }
  return SUCCESS;
}

export function args_sizes_get(argc: u32, size: u32): u32 { return listSizes(0, argc, size); }
export function args_get(argv: u32, buf: u32): u32 { return listCopy(0, argv, buf); }
export function environ_sizes_get(count: u32, size: u32): u32 { return listSizes(1, count, size); }
export function environ_get(environ: u32, buf: u32): u32 { return listCopy(1, environ, buf); }

export function clock_res_get(id: u32, resolution: u32): u32 {
  enter();
  if (id == 0) {
    wallResolution(ret);
    store<u64>(resolution, load<u64>(ret) * 1000000000 + <u64>load<u32>(ret, 8));
  } else if (id == 1) store<u64>(resolution, monotonicResolution());
  else return EINVAL;
  return SUCCESS;
}

export function clock_time_get(id: u32, precision: u64, time: u32): u32 {
  enter();
  if (id == 0) {
    wallNow(ret);
    store<u64>(time, load<u64>(ret) * 1000000000 + <u64>load<u32>(ret, 8));
  } else if (id == 1) store<u64>(time, monotonicNow());
  else return EINVAL;
  return SUCCESS;
}

export function random_get(buf: u32, len: u32): u32 {
  enter();
  direct = buf;
  directLen = len;
  getRandomBytes(len, ret);
  direct = 0;
  // Where the bytes did not go straight to `buf` (a zero length), there is nothing to copy.
  if (load<u32>(ret) != buf && len > 0) memory.copy(buf, load<u32>(ret), len);
  return SUCCESS;
}

export function proc_exit(code: u32): void {
  // 0 and 1 as WASI 0.2 says them, which every host knows; other codes need `exit-with-code`.
  if (code <= 1) exit(code);
  else exitWithCode(code > 255 ? 255 : code);
  unreachable();
}

export function proc_raise(sig: u32): u32 { return ENOTSUP; }
export function sched_yield(): u32 { return SUCCESS; }

/** A command's entry point: the app's `_start`. */
export function run(): u32 {
  enter();
  mainStart();
  return 0;
}

// ---- reading and writing -------------------------------------------------

// readInto and writeFrom take an entry that `vectored` checked may be read or written: stdin or a file
// opened for reading, stdout, stderr or a file opened for writing, and no directory.

/** Reads into one buffer from an entry: stdin, or a file at `offset` (the entry's position when -1). */
function readInto(entry: u32, buf: u32, len: u32, offset: i64): i64 {
  if (load<u8>(entry) == KIND_FILE) {
    const at: u64 = offset < 0 ? load<u64>(entry, 8) : <u64>offset;
    direct = buf;
    directLen = len;
    fsRead(load<u32>(entry, 4), len, at, ret);
    direct = 0;
    if (load<u8>(ret) != 0) return -<i64>errno(load<u8>(ret, 4));
    const n = load<u32>(ret, 8);
    if (n > 0 && load<u32>(ret, 4) != buf) memory.copy(buf, load<u32>(ret, 4), n);
    if (offset < 0) store<u64>(entry, at + n, 8);
    return n;
  }
  if (offset >= 0) return -<i64>ESPIPE;
  const stream = stdioStream(entry);
  direct = buf;
  directLen = len;
  if ((load<u8>(entry, 1) & FLAG_NONBLOCK) != 0) streamRead(stream, len, ret); else streamBlockingRead(stream, len, ret);
  direct = 0;
  if (load<u8>(ret) != 0) {
    const code = streamErrno(ret + 4, 0);
    return code == 0 ? 0 : -<i64>code;
  }
  const n = load<u32>(ret, 8);
  if (n == 0 && len > 0 && (load<u8>(entry, 1) & FLAG_NONBLOCK) != 0) return -6; // EAGAIN
  if (n > 0 && load<u32>(ret, 4) != buf) memory.copy(buf, load<u32>(ret, 4), n);
  return n;
}

/** Writes one buffer to an entry: stdout, stderr, or a file at `offset` (the entry's position, or its end, when -1). */
function writeFrom(entry: u32, buf: u32, len: u32, offset: i64): i64 {
  if (load<u8>(entry) == KIND_FILE) {
    const handle = load<u32>(entry, 4);
    // With O_APPEND every write goes to the end, a pwrite's too (as on Linux; POSIX would write at its offset).
    if ((load<u8>(entry, 1) & FLAG_APPEND) != 0) {
      let stream = load<u32>(entry, 24);
      if (stream == 0) {
        fsAppendStream(handle, ret);
        if (load<u8>(ret) != 0) return -<i64>errno(load<u8>(ret, 4));
        stream = load<u32>(ret, 4);
        store<u32>(entry, stream, 24);
      }
      const written = writeStream(stream, buf, len);
      if (written < 0) return written;
      if (offset < 0) {
        fsStat(handle, ret);
        if (load<u8>(ret) == 0) store<u64>(entry, load<u64>(ret, 24), 8);
      }
      return written;
    }
    const at: u64 = offset < 0 ? load<u64>(entry, 8) : <u64>offset;
    fsWrite(handle, buf, len, at, ret);
    if (load<u8>(ret) != 0) return -<i64>errno(load<u8>(ret, 8));
    const n = load<u64>(ret, 8);
    if (offset < 0) store<u64>(entry, at + n, 8);
    return <i64>n;
  }
  if (offset >= 0) return -<i64>ESPIPE;
  return writeStream(stdioStream(entry), buf, len);
}

// blocking-write-and-flush takes at most 4096 bytes a call.
function writeStream(stream: u32, buf: u32, len: u32): i64 {
  let done: u32 = 0;
  while (done < len) {
    const chunk = len - done > 4096 ? 4096 : len - done;
    streamWrite(stream, buf + done, chunk, ret);
    if (load<u8>(ret) != 0) return -<i64>streamErrno(ret + 4, EIO);
    done += chunk;
  }
  return done;
}

// Reads or writes a list of iovecs (buf u32, len u32) until one comes up short.
function vectored(fd: u32, iovs: u32, count: u32, offset: i64, write: bool, total: u32): u32 {
  enter();
  const entry = entryOf(fd);
  if (entry == 0) return EBADF;
  // What cannot be read or written fails before anything is, even with nothing to move (as on Linux).
  const kind = load<u8>(entry);
  if (kind == KIND_FILE && typeOf(entry) == DT_DIRECTORY) return write ? EBADF : EISDIR;
  if (kind == KIND_FILE && (load<u8>(entry, 1) & (write ? FLAG_WRITE : FLAG_READ)) == 0) return EBADF;
  if (kind == KIND_STDIN ? write : kind != KIND_FILE && !write) return EBADF;
  let done: u64 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const buf = load<u32>(iovs + i * 8);
    const len = load<u32>(iovs + i * 8, 4);
    if (len == 0) continue;
    const at: i64 = offset < 0 ? -1 : offset + <i64>done;
    const n = write ? writeFrom(entry, buf, len, at) : readInto(entry, buf, len, at);
    if (n < 0) {
      if (done > 0) break;
      return <u32>(-n);
    }
    done += <u64>n;
    if (<u32>n < len) break;
    arenaTop = arenaBase;
  }
  store<u32>(total, <u32>done);
  return SUCCESS;
}

export function fd_read(fd: u32, iovs: u32, count: u32, nread: u32): u32 { return vectored(fd, iovs, count, -1, false, nread); }
export function fd_write(fd: u32, iovs: u32, count: u32, nwritten: u32): u32 { return vectored(fd, iovs, count, -1, true, nwritten); }

export function fd_pread(fd: u32, iovs: u32, count: u32, offset: u64, nread: u32): u32 {
  if (<i64>offset < 0) return EINVAL;
  return vectored(fd, iovs, count, <i64>offset, false, nread);
}

export function fd_pwrite(fd: u32, iovs: u32, count: u32, offset: u64, nwritten: u32): u32 {
  if (<i64>offset < 0) return EINVAL;
  return vectored(fd, iovs, count, <i64>offset, true, nwritten);
}

export function fd_seek(fd: u32, delta: i64, whence: u32, result: u32): u32 {
  enter();
  const entry = regularOf(fd, ESPIPE);
  if (entry == 0) return fault;
  let base: i64 = 0;
  if (whence == 1) base = load<i64>(entry, 8);
  else if (whence == 2) {
    fsStat(load<u32>(entry, 4), ret);
    if (load<u8>(ret) != 0) return errno(load<u8>(ret, 8));
    base = load<i64>(ret, 24);
  } else if (whence != 0) return EINVAL;
  const to = base + delta;
  if (to < 0) return EINVAL;
  store<i64>(entry, to, 8);
  store<u64>(result, to);
  return SUCCESS;
}

export function fd_tell(fd: u32, result: u32): u32 {
  enter();
  const entry = regularOf(fd, ESPIPE);
  if (entry == 0) return fault;
  store<u64>(result, load<u64>(entry, 8));
  return SUCCESS;
}

export function fd_close(fd: u32): u32 {
  enter();
  const entry = entryOf(fd);
  if (entry == 0) return EBADF;
  release(entry);
  return SUCCESS;
}

export function fd_renumber(from: u32, to: u32): u32 {
  enter();
  const source = entryOf(from);
  const target = entryOf(to);
  if (source == 0 || target == 0) return EBADF;
  if (from == to) return SUCCESS;
  release(target);
  memory.copy(target, source, ENTRY);
  memory.fill(source, 0, ENTRY);
  if (dirFd == <i32>from) dirFd = <i32>to;
  return SUCCESS;
}

// ---- descriptor state ----------------------------------------------------

function terminalType(kind: u8): u8 {
  if (kind == KIND_STDIN) getTerminalStdin(ret);
  else if (kind == KIND_STDOUT) getTerminalStdout(ret);
  else getTerminalStderr(ret);
  if (load<u8>(ret) == 0) return FILETYPE_UNKNOWN;
  if (kind == KIND_STDIN) dropTerminalInput(load<u32>(ret, 4)); else dropTerminalOutput(load<u32>(ret, 4));
  return FILETYPE_CHARACTER_DEVICE;
}

/** A WASI 0.2 descriptor-type as a preview-1 filetype. */
function filetype(type: u8): u8 {
  switch (type) {
    case 1: return 1; // block-device
    case 2: return 2; // character-device
    case 3: return 3; // directory
    case 5: return 7; // symbolic-link
    case 6: return 4; // regular-file
    case 7: return 6; // socket: a stream socket
    default: return FILETYPE_UNKNOWN; // unknown, fifo
  }
}

export function fd_fdstat_get(fd: u32, stat: u32): u32 {
  enter();
  const entry = entryOf(fd);
  if (entry == 0) return EBADF;
  const kind = load<u8>(entry);
  if (kind != KIND_FILE) {
    store<u8>(stat, terminalType(kind));
    store<u16>(stat, 0, 2);
    const rights = kind == KIND_STDIN ? RIGHTS_FD_READ : RIGHTS_FD_WRITE;
    store<u64>(stat, rights, 8);
    store<u64>(stat, rights, 16);
    return SUCCESS;
  }
  const handle = load<u32>(entry, 4);
  const type = typeOf(entry);
  if (type == DT_DIRECTORY) {
    store<u8>(stat, FILETYPE_DIRECTORY);
    store<u16>(stat, 0, 2);
    store<u64>(stat, DIRECTORY_RIGHTS, 8);
    store<u64>(stat, DIRECTORY_INHERITING, 16);
    return SUCCESS;
  }
  fsGetFlags(handle, ret);
  if (load<u8>(ret) != 0) return errno(load<u8>(ret, 1));
  const flags = <u32>load<u8>(ret, 1);
  let fdflags: u32 = 0;
  if ((flags & DF_DATA_SYNC) != 0) fdflags |= FDFLAGS_DSYNC;
  if ((flags & DF_REQUESTED_SYNC) != 0) fdflags |= FDFLAGS_RSYNC;
  if ((flags & DF_FILE_SYNC) != 0) fdflags |= FDFLAGS_SYNC;
  if ((load<u8>(entry, 1) & FLAG_APPEND) != 0) fdflags |= FDFLAGS_APPEND;
  if ((load<u8>(entry, 1) & FLAG_NONBLOCK) != 0) fdflags |= FDFLAGS_NONBLOCK;
  let rights = ALL_RIGHTS;
  if ((flags & DF_READ) == 0) rights &= ~(RIGHTS_FD_READ | RIGHTS_FD_READDIR);
  if ((flags & DF_WRITE) == 0) rights &= ~RIGHTS_FD_WRITE;
  store<u8>(stat, filetype(type));
  store<u16>(stat, <u16>fdflags, 2);
  store<u64>(stat, rights, 8);
  store<u64>(stat, rights, 16);
  return SUCCESS;
}

export function fd_fdstat_set_flags(fd: u32, fdflags: u32): u32 {
  enter();
  const entry = entryOf(fd);
  if (entry == 0) return EBADF;
  if ((fdflags & ~(FDFLAGS_APPEND | FDFLAGS_NONBLOCK)) != 0) return EINVAL;
  let flags = load<u8>(entry, 1) & ~(FLAG_APPEND | FLAG_NONBLOCK);
  if ((fdflags & FDFLAGS_APPEND) != 0) flags |= FLAG_APPEND;
  if ((fdflags & FDFLAGS_NONBLOCK) != 0) flags |= FLAG_NONBLOCK;
  store<u8>(entry, flags, 1);
  return SUCCESS;
}

export function fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64): u32 {
  enter();
  return entryOf(fd) == 0 ? EBADF : ENOTSUP;
}

// A descriptor-stat at `stat` (in the return area) and an inode as a preview-1 filestat.
function writeFilestat(buf: u32, stat: u32, ino: u64): void {
  store<u64>(buf, 0);
  store<u64>(buf, ino, 8);
  store<u64>(buf, filetype(load<u8>(stat)), 16);
  store<u64>(buf, load<u64>(stat, 8), 24);
  store<u64>(buf, load<u64>(stat, 16), 32);
  for (let i: u32 = 0; i < 3; i++) {
    const time = stat + 24 + i * 24;
    store<u64>(buf + i * 8, load<u8>(time) == 0 ? 0 : load<u64>(time, 8) * 1000000000 + <u64>load<u32>(time, 16), 40);
  }
}

// The inode of what `stat-at`-like arguments name: the lower half of its metadata hash.
function inode(handle: u32, flags: u32, path: u32, len: u32, at: bool): u64 {
  if (at) fsMetadataHashAt(handle, flags, path, len, ret); else fsMetadataHash(handle, ret);
  return load<u8>(ret) == 0 ? load<u64>(ret, 8) : 0;
}

function filestat(buf: u32, handle: u32, flags: u32, path: u32, len: u32, at: bool): u32 {
  const ino = inode(handle, flags, path, len, at);
  if (at) fsStatAt(handle, flags, path, len, ret); else fsStat(handle, ret);
  if (load<u8>(ret) != 0) return errno(load<u8>(ret, 8));
  writeFilestat(buf, ret + 8, ino);
  return SUCCESS;
}

export function fd_filestat_get(fd: u32, buf: u32): u32 {
  enter();
  const entry = entryOf(fd);
  if (entry == 0) return EBADF;
  if (load<u8>(entry) != KIND_FILE) {
    memory.fill(buf, 0, 64);
    store<u8>(buf, terminalType(load<u8>(entry)), 16);
    return SUCCESS;
  }
  return filestat(buf, load<u32>(entry, 4), 0, 0, 0, false);
}

export function path_filestat_get(fd: u32, lookup: u32, path: u32, len: u32, buf: u32): u32 {
  enter();
  const entry = dirOf(fd);
  if (entry == 0) return fault;
  return filestat(buf, load<u32>(entry, 4), lookup & 1, path, len, true);
}

export function fd_filestat_set_size(fd: u32, size: u64): u32 {
  enter();
  const entry = regularOf(fd, EINVAL);
  if (entry == 0) return fault;
  fsSetSize(load<u32>(entry, 4), size, ret);
  return unit();
}

// Times as two new-timestamps: no-change 0, now 1, timestamp 2 (seconds, nanoseconds).
function setTimes(handle: u32, at: bool, flags: u32, path: u32, len: u32, atim: u64, mtim: u64, fst: u32): u32 {
  if ((fst & 3) == 3 || (fst & 12) == 12) return EINVAL;
  const aTag: u32 = (fst & 2) != 0 ? 1 : (fst & 1) != 0 ? 2 : 0;
  const mTag: u32 = (fst & 8) != 0 ? 1 : (fst & 4) != 0 ? 2 : 0;
  const aSec = atim / 1000000000, aNsec = <u32>(atim % 1000000000);
  const mSec = mtim / 1000000000, mNsec = <u32>(mtim % 1000000000);
  if (at) fsSetTimesAt(handle, flags, path, len, aTag, aSec, aNsec, mTag, mSec, mNsec, ret);
  else fsSetTimes(handle, aTag, aSec, aNsec, mTag, mSec, mNsec, ret);
  return unit();
}

export function fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst: u32): u32 {
  enter();
  const entry = fileOf(fd);
  if (entry == 0) return EBADF;
  return setTimes(load<u32>(entry, 4), false, 0, 0, 0, atim, mtim, fst);
}

export function path_filestat_set_times(fd: u32, lookup: u32, path: u32, len: u32, atim: u64, mtim: u64, fst: u32): u32 {
  enter();
  const entry = dirOf(fd);
  if (entry == 0) return fault;
  return setTimes(load<u32>(entry, 4), true, lookup & 1, path, len, atim, mtim, fst);
}

export function fd_advise(fd: u32, offset: u64, len: u64, advice: u32): u32 {
  enter();
  const entry = regularOf(fd, EINVAL);
  if (entry == 0) return fault;
  if (advice > 5) return EINVAL;
  fsAdvise(load<u32>(entry, 4), offset, len, advice, ret);
  return unit();
}

export function fd_allocate(fd: u32, offset: u64, len: u64): u32 {
  enter();
  return regularOf(fd, EINVAL) == 0 ? fault : ENOTSUP;
}

export function fd_sync(fd: u32): u32 {
  enter();
  const entry = fileOf(fd);
  if (entry == 0) return EBADF;
  fsSync(load<u32>(entry, 4), ret);
  return unit();
}

export function fd_datasync(fd: u32): u32 {
  enter();
  const entry = fileOf(fd);
  if (entry == 0) return EBADF;
  fsSyncData(load<u32>(entry, 4), ret);
  return unit();
}

// ---- preopens and paths --------------------------------------------------

export function fd_prestat_get(fd: u32, buf: u32): u32 {
  enter();
  const entry = entryOf(fd);
  if (entry == 0 || (load<u8>(entry, 1) & FLAG_PREOPEN) == 0) return EBADF;
  store<u32>(buf, 0);
  store<u32>(buf, load<u32>(entry, 20), 4);
  return SUCCESS;
}

export function fd_prestat_dir_name(fd: u32, path: u32, len: u32): u32 {
  enter();
  const entry = entryOf(fd);
  if (entry == 0 || (load<u8>(entry, 1) & FLAG_PREOPEN) == 0) return EBADF;
  const have = load<u32>(entry, 20);
  if (len < have) return ENAMETOOLONG;
  memory.copy(path, load<u32>(entry, 16), have);
  return SUCCESS;
}

export function path_open(fd: u32, lookup: u32, path: u32, len: u32, oflags: u32, base: u64, inheriting: u64, fdflags: u32, opened: u32): u32 {
  enter();
  const dir = dirOf(fd);
  if (dir == 0) return fault;
  let flags: u32 = 0;
  if ((base & RIGHTS_FD_READ) != 0) flags |= DF_READ;
  if ((base & RIGHTS_FD_WRITE) != 0) flags |= DF_WRITE;
  if ((fdflags & FDFLAGS_SYNC) != 0) flags |= DF_FILE_SYNC;
  if ((fdflags & FDFLAGS_DSYNC) != 0) flags |= DF_DATA_SYNC;
  if ((fdflags & FDFLAGS_RSYNC) != 0) flags |= DF_REQUESTED_SYNC;
  // A directory may be changed through its descriptor where its parent may be (as on Linux, whatever its rights).
  if ((oflags & 2) != 0) {
    fsGetFlags(load<u32>(dir, 4), ret);
    if (load<u8>(ret) == 0 && (load<u8>(ret, 1) & DF_MUTATE_DIRECTORY) != 0) flags |= DF_MUTATE_DIRECTORY;
  }
  fsOpenAt(load<u32>(dir, 4), lookup & 1, path, len, oflags & 15, flags, ret);
  if (load<u8>(ret) != 0) return errno(load<u8>(ret, 4));
  const handle = load<u32>(ret, 4);
  const fdNew = freeFd();
  const entry = table + fdNew * ENTRY;
  store<u8>(entry, KIND_FILE);
  let own: u8 = 0;
  if ((flags & DF_READ) != 0) own |= FLAG_READ;
  if ((flags & DF_WRITE) != 0) own |= FLAG_WRITE;
  if ((fdflags & FDFLAGS_APPEND) != 0) own |= FLAG_APPEND;
  if ((fdflags & FDFLAGS_NONBLOCK) != 0) own |= FLAG_NONBLOCK;
  store<u8>(entry, own, 1);
  store<u32>(entry, handle, 4);
  store<u32>(opened, fdNew);
  return SUCCESS;
}

// Calls on a directory descriptor and a path, whose answer is a result<_, error-code>.
export function path_create_directory(fd: u32, path: u32, len: u32): u32 {
  enter();
  const dir = dirOf(fd);
  if (dir == 0) return fault;
  fsCreateDirectoryAt(load<u32>(dir, 4), path, len, ret);
  return unit();
}

export function path_remove_directory(fd: u32, path: u32, len: u32): u32 {
  enter();
  const dir = dirOf(fd);
  if (dir == 0) return fault;
  fsRemoveDirectoryAt(load<u32>(dir, 4), path, len, ret);
  return unit();
}

export function path_unlink_file(fd: u32, path: u32, len: u32): u32 {
  enter();
  const dir = dirOf(fd);
  if (dir == 0) return fault;
  fsUnlinkFileAt(load<u32>(dir, 4), path, len, ret);
  return unit();
}

export function path_link(fd: u32, lookup: u32, path: u32, len: u32, toFd: u32, toPath: u32, toLen: u32): u32 {
  enter();
  const dir = dirOf(fd);
  if (dir == 0) return fault;
  const to = dirOf(toFd);
  if (to == 0) return fault;
  fsLinkAt(load<u32>(dir, 4), lookup & 1, path, len, load<u32>(to, 4), toPath, toLen, ret);
  return unit();
}

export function path_rename(fd: u32, path: u32, len: u32, toFd: u32, toPath: u32, toLen: u32): u32 {
  enter();
  const dir = dirOf(fd);
  if (dir == 0) return fault;
  const to = dirOf(toFd);
  if (to == 0) return fault;
  fsRenameAt(load<u32>(dir, 4), path, len, load<u32>(to, 4), toPath, toLen, ret);
  return unit();
}

export function path_symlink(target: u32, targetLen: u32, fd: u32, path: u32, len: u32): u32 {
  enter();
  const dir = dirOf(fd);
  if (dir == 0) return fault;
  fsSymlinkAt(load<u32>(dir, 4), target, targetLen, path, len, ret);
  return unit();
}

export function path_readlink(fd: u32, path: u32, len: u32, buf: u32, bufLen: u32, used: u32): u32 {
  enter();
  const dir = dirOf(fd);
  if (dir == 0) return fault;
  fsReadlinkAt(load<u32>(dir, 4), path, len, ret);
  if (load<u8>(ret) != 0) return errno(load<u8>(ret, 4));
  const n = load<u32>(ret, 8) < bufLen ? load<u32>(ret, 8) : bufLen;
  memory.copy(buf, load<u32>(ret, 4), n);
  store<u32>(used, n);
  return SUCCESS;
}

// ---- fd_readdir ------------------------------------------------------------

// A listing resumes where the last call stopped: for that descriptor and cookie, the stream, and the
// entry that did not fit (its type, inode and name, kept in `pending`).
let dirFd: i32 = -1;
let dirCookie: u64 = 0;
let dirStream: u32 = 0;
let pending: u32 = 0; // 4096 bytes: type u8 @0, has u8 @1, name length u32 @4, inode u64 @8, name @16
const PENDING_NAME: u32 = 4096 - 16;

function forgetDirStream(): void {
  if (dirStream != 0) dropDirStream(dirStream);
  dirStream = 0;
  dirFd = -1;
  if (pending != 0) store<u8>(pending, 0, 1);
}

// Writes one dirent (24 bytes, then the name) as far as it fits; returns the bytes written.
let head: u32 = 0; // a dirent header is built apart, in the arena, as only part of it may fit

function dirent(buf: u32, room: u32, next: u64, ino: u64, type: u8, name: u32, len: u32): u32 {
  store<u64>(head, next);
  store<u64>(head, ino, 8);
  store<u32>(head, len, 16);
  store<u32>(head, type, 20);
  const h: u32 = room < 24 ? room : 24;
  memory.copy(buf, head, h);
  const n: u32 = room - h < len ? room - h : len;
  memory.copy(buf + h, name, n);
  return h + n;
}

export function fd_readdir(fd: u32, buf: u32, len: u32, cookie: u64, used: u32): u32 {
  enter();
  const dir = dirOf(fd);
  if (dir == 0) return fault;
  const handle = load<u32>(dir, 4);
  if (pending == 0) pending = keep(4096);
  head = cabi_import_realloc(0, 0, 8, 24);
  let at: u32 = 0;
  let index = cookie;
  while (index < 2) {
    const dotIno = inode(handle, 0, 0, 0, false);
    store<u16>(ret + 128, 0x2e2e); // ".."
    const wrote = dirent(buf + at, len - at, index + 1, dotIno, FILETYPE_DIRECTORY, ret + 128, <u32>index + 1);
    at += wrote;
    if (at == len) { store<u32>(used, at); return SUCCESS; }
    index++;
  }
  if (!(dirFd == <i32>fd && dirCookie == index && dirStream != 0)) {
    forgetDirStream();
    fsReadDirectory(handle, ret);
    if (load<u8>(ret) != 0) return errno(load<u8>(ret, 4));
    dirStream = load<u32>(ret, 4);
    dirFd = <i32>fd;
    for (let skip: u64 = 2; skip < index; skip++) {
      readDirectoryEntry(dirStream, ret);
      if (load<u8>(ret) != 0 || load<u8>(ret, 4) == 0) break;
    }
  }
  while (true) {
    arenaTop = head + 24; // the last entry's name is in `pending` now
    if (load<u8>(pending, 1) == 0) {
      readDirectoryEntry(dirStream, ret);
      if (load<u8>(ret) != 0) {
        const code = errno(load<u8>(ret, 4));
        forgetDirStream();
        return code;
      }
      if (load<u8>(ret, 4) == 0) {
        forgetDirStream();
        store<u32>(used, at);
        return SUCCESS;
      }
      const nameLen = load<u32>(ret, 16);
      if (nameLen > PENDING_NAME) return ENAMETOOLONG;
      const type = load<u8>(ret, 8);
      const namePtr = load<u32>(ret, 12);
      memory.copy(pending + 16, namePtr, nameLen);
      store<u32>(pending, nameLen, 4);
      store<u8>(pending, filetype(type));
      store<u8>(pending, 1, 1);
      store<u64>(pending, inode(handle, 0, pending + 16, nameLen, true), 8);
    }
    const nameLen = load<u32>(pending, 4);
    const wrote = dirent(buf + at, len - at, index + 1, load<u64>(pending, 8), load<u8>(pending), pending + 16, nameLen);
    at += wrote;
    if (wrote < 24 + nameLen) break; // kept pending: the next call at this cookie starts with it
    store<u8>(pending, 0, 1);
    index++;
    if (at == len) break;
  }
  dirCookie = index;
  store<u32>(used, at);
  return SUCCESS;
}

// ---- poll_oneoff -----------------------------------------------------------

// Subscriptions are 48 bytes: userdata u64 @0, tag u8 @8, then clock (id u32 @16, timeout u64 @24,
// flags u16 @40) or fd (u32 @16). Events are 32 bytes: userdata @0, error u16 @8, type u8 @10,
// nbytes u64 @16, flags u16 @24.
export function poll_oneoff(subs: u32, events: u32, count: u32, nevents: u32): u32 {
  enter();
  if (count == 0) return EINVAL;
  const pollables = cabi_import_realloc(0, 0, 4, count * 4);
  for (let i: u32 = 0; i < count; i++) {
    const sub = subs + i * 48;
    const tag = load<u8>(sub, 8);
    let pollable: u32 = 0;
    // What cannot be waited on fails the whole call, as in wasmtime: an unknown clock, or no stream.
    let error: u32 = EINVAL;
    if (tag == 0) {
      const id = load<u32>(sub, 16);
      const timeout = load<u64>(sub, 24);
      const absolute = (load<u16>(sub, 40) & 1) != 0;
      if (id == 1) pollable = absolute ? subscribeInstant(timeout) : subscribeDuration(timeout);
      else if (id == 0) {
        let wait = timeout;
        if (absolute) {
          wallNow(ret);
          const now = load<u64>(ret) * 1000000000 + <u64>load<u32>(ret, 8);
          wait = timeout > now ? timeout - now : 0;
        }
        pollable = subscribeDuration(wait);
      }
    } else if (tag == 1 || tag == 2) {
      const entry = entryOf(load<u32>(sub, 16));
      const kind = entry == 0 ? KIND_FREE : load<u8>(entry);
      error = EBADF;
      if (kind == KIND_FILE) pollable = subscribeDuration(0); // files are always ready
      else if (tag == 1 && kind == KIND_STDIN) pollable = inputSubscribe(stdioStream(entry));
      else if (tag == 2 && (kind == KIND_STDOUT || kind == KIND_STDERR)) pollable = outputSubscribe(stdioStream(entry));
    }
    if (pollable == 0) {
      dropPollables(pollables, i);
      return error;
    }
    store<u32>(pollables + i * 4, pollable);
  }
  // Wait on every pollable; the answer lists the ready ones by index.
  poll(pollables, count, ret);
  const ready = load<u32>(ret);
  const readyCount = load<u32>(ret, 4);
  for (let r: u32 = 0; r < readyCount; r++) {
    const i = load<u32>(ready + r * 4);
    const sub = subs + i * 48;
    const tag = load<u8>(sub, 8);
    const event = events + r * 32;
    memory.fill(event, 0, 32);
    store<u64>(event, load<u64>(sub));
    store<u8>(event, tag, 10);
    if (tag != 0) {
      // How much a read may take: what is left of a file, or 1 byte of a stream.
      const entry = entryOf(load<u32>(sub, 16));
      if (load<u8>(entry) == KIND_FILE) {
        fsStat(load<u32>(entry, 4), ret + 128);
        if (load<u8>(ret + 128) == 0) {
          const size = load<u64>(ret + 128, 24);
          const pos = load<u64>(entry, 8);
          store<u64>(event, size > pos ? size - pos : 0, 16);
        }
      } else store<u64>(event, 1, 16);
    }
  }
  dropPollables(pollables, count);
  store<u32>(nevents, readyCount);
  return SUCCESS;
}

function dropPollables(list: u32, count: u32): void {
  for (let i: u32 = 0; i < count; i++) dropPollable(load<u32>(list + i * 4));
}

// ---- sockets: preview 1 has no way to make one, so no descriptor is one ------

function notSocket(fd: u32): u32 {
  enter();
  return entryOf(fd) == 0 ? EBADF : ENOTSOCK;
}

export function sock_accept(fd: u32, flags: u32, connection: u32): u32 { return notSocket(fd); }
export function sock_recv(fd: u32, data: u32, count: u32, flags: u32, len: u32, out: u32): u32 { return notSocket(fd); }
export function sock_send(fd: u32, data: u32, count: u32, flags: u32, len: u32): u32 { return notSocket(fd); }
export function sock_shutdown(fd: u32, how: u32): u32 { return notSocket(fd); }
