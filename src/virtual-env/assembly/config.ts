// Reads the config blob that `virt build` hands to `init` under Wizer.
// The blob comes from a preloaded module (`virt-config`) that exists only
// while Wizer runs; after the snapshot these imports are replaced by traps.
import { alloc } from "./memory";

@external("virt-config", "size") declare function configSize(): u32;
@external("virt-config", "byte") declare function configByte(offset: u32): u8;

let cursor: u32 = 0;

/** Starts reading the blob from its first byte. */
export function openConfig(): u32 {
  cursor = 0;
  return configSize();
}

/** Reads one byte. */
export function readByte(): u8 {
  return configByte(cursor++);
}

/** Reads a little-endian u32. */
export function readU32(): u32 {
  let value: u32 = 0;
  for (let i: u32 = 0; i < 4; i++) value |= (<u32>configByte(cursor++)) << (i * 8);
  return value;
}

/** Reads a u32 length and that many bytes into persistent memory; writes (ptr, len) at `dst`. */
export function readBytesTo(dst: usize): void {
  const len = readU32();
  const ptr = alloc(len, 1);
  for (let i: u32 = 0; i < len; i++) store<u8>(ptr + i, configByte(cursor++));
  store<u32>(dst, <u32>ptr);
  store<u32>(dst, len, 4);
}

/** Reads a little-endian u64. */
export function readU64(): u64 {
  const low = <u64>readU32();
  return low | (<u64>readU32() << 32);
}

/** Reads `len` raw bytes to `dst`. */
export function readRaw(dst: usize, len: u32): void {
  for (let i: u32 = 0; i < len; i++) store<u8>(dst + i, configByte(cursor++));
}
