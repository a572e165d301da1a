// Glob matching over raw UTF-8 bytes: `*` matches any run, `?` one byte.

const STAR: u8 = 0x2a;
const QUESTION: u8 = 0x3f;

/** Whether `name` (bytes at namePtr) matches the glob `pattern` (bytes at patPtr). */
export function globMatch(patPtr: usize, patLen: u32, namePtr: usize, nameLen: u32): bool {
  let p: u32 = 0;
  let n: u32 = 0;
  let starP: i32 = -1;
  let starN: u32 = 0;
  while (n < nameLen) {
    if (p < patLen) {
      const c = load<u8>(patPtr + p);
      if (c == STAR) { starP = <i32>p; p++; starN = n; continue; }
      if (c == QUESTION || c == load<u8>(namePtr + n)) { p++; n++; continue; }
    }
    if (starP < 0) return false;
    p = <u32>starP + 1;
    n = ++starN;
  }
  while (p < patLen && load<u8>(patPtr + p) == STAR) p++;
  return p == patLen;
}

/** Byte equality of two strings. */
export function bytesEqual(a: usize, aLen: u32, b: usize, bLen: u32): bool {
  if (aLen != bLen) return false;
  for (let i: u32 = 0; i < aLen; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}
