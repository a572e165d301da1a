// The host's wasi:filesystem, as the vfs unit calls it for host mounts: core
// signatures of the canonical ABI (handles are i32; results go to `ret`).
// Functions the app does not import are never granted: they trap, and the vfs
// never needs them, since it calls each only on behalf of the same method.

@external("host-fs", "[method]descriptor.advise")
export declare function hostAdvise(fd: i32, offset: u64, length: u64, advice: u32, ret: usize): void;
@external("host-fs", "[method]descriptor.sync-data")
export declare function hostSyncData(fd: i32, ret: usize): void;
@external("host-fs", "[method]descriptor.get-flags")
export declare function hostGetFlags(fd: i32, ret: usize): void;
@external("host-fs", "[method]descriptor.get-type")
export declare function hostGetType(fd: i32, ret: usize): void;
@external("host-fs", "[method]descriptor.set-size")
export declare function hostSetSize(fd: i32, size: u64, ret: usize): void;
@external("host-fs", "[method]descriptor.set-times")
export declare function hostSetTimes(fd: i32, aTag: u32, aSec: u64, aNs: u32, mTag: u32, mSec: u64, mNs: u32, ret: usize): void;
@external("host-fs", "[method]descriptor.read")
export declare function hostRead(fd: i32, length: u64, offset: u64, ret: usize): void;
@external("host-fs", "[method]descriptor.write")
export declare function hostWrite(fd: i32, ptr: usize, len: usize, offset: u64, ret: usize): void;
@external("host-fs", "[method]descriptor.read-directory")
export declare function hostReadDirectory(fd: i32, ret: usize): void;
@external("host-fs", "[method]descriptor.sync")
export declare function hostSync(fd: i32, ret: usize): void;
@external("host-fs", "[method]descriptor.create-directory-at")
export declare function hostCreateDirectoryAt(fd: i32, ptr: usize, len: usize, ret: usize): void;
@external("host-fs", "[method]descriptor.stat")
export declare function hostStat(fd: i32, ret: usize): void;
@external("host-fs", "[method]descriptor.stat-at")
export declare function hostStatAt(fd: i32, flags: u32, ptr: usize, len: usize, ret: usize): void;
@external("host-fs", "[method]descriptor.set-times-at")
export declare function hostSetTimesAt(
  fd: i32, flags: u32, ptr: usize, len: usize, aTag: u32, aSec: u64, aNs: u32, mTag: u32, mSec: u64, mNs: u32, ret: usize,
): void;
@external("host-fs", "[method]descriptor.link-at")
export declare function hostLinkAt(fd: i32, flags: u32, ptr: usize, len: usize, other: i32, newPtr: usize, newLen: usize, ret: usize): void;
@external("host-fs", "[method]descriptor.open-at")
export declare function hostOpenAt(fd: i32, pathFlags: u32, ptr: usize, len: usize, openFlags: u32, flags: u32, ret: usize): void;
@external("host-fs", "[method]descriptor.readlink-at")
export declare function hostReadlinkAt(fd: i32, ptr: usize, len: usize, ret: usize): void;
@external("host-fs", "[method]descriptor.remove-directory-at")
export declare function hostRemoveDirectoryAt(fd: i32, ptr: usize, len: usize, ret: usize): void;
@external("host-fs", "[method]descriptor.rename-at")
export declare function hostRenameAt(fd: i32, ptr: usize, len: usize, other: i32, newPtr: usize, newLen: usize, ret: usize): void;
@external("host-fs", "[method]descriptor.symlink-at")
export declare function hostSymlinkAt(fd: i32, targetPtr: usize, targetLen: usize, ptr: usize, len: usize, ret: usize): void;
@external("host-fs", "[method]descriptor.unlink-file-at")
export declare function hostUnlinkFileAt(fd: i32, ptr: usize, len: usize, ret: usize): void;
@external("host-fs", "[method]descriptor.is-same-object")
export declare function hostIsSameObject(fd: i32, other: i32): u32;
@external("host-fs", "[method]descriptor.metadata-hash")
export declare function hostMetadataHash(fd: i32, ret: usize): void;
@external("host-fs", "[method]descriptor.metadata-hash-at")
export declare function hostMetadataHashAt(fd: i32, flags: u32, ptr: usize, len: usize, ret: usize): void;
@external("host-fs", "[method]directory-entry-stream.read-directory-entry")
export declare function hostReadDirectoryEntry(stream: i32, ret: usize): void;
@external("host-fs", "[resource-drop]descriptor")
export declare function hostDropDescriptor(fd: i32): void;
@external("host-fs", "[resource-drop]directory-entry-stream")
export declare function hostDropDirectoryEntryStream(stream: i32): void;
@external("host-preopens", "get-directories")
export declare function hostGetDirectories(ret: usize): void;
