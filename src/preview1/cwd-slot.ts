// Where a preview-1 program keeps its working directory. wasi-libc holds it in
// `char *__wasilibc_cwd`, which starts as a pointer to "/" and which only
// `chdir` writes, and it never asks the host for one (preview 1 has no call
// for it). Where a program links chdir, its paths resolve against that
// variable: the layer points it at `initial-cwd` before the program runs.
// Without chdir, wasi-libc resolves every path from `/`, and there is no
// variable to set.
import { ByteReader } from '../binary/byte-reader.js';
import { codeBytes, readActiveData } from '../binary/module-reader.js';

const SLASH = 0x2f;
const I32_STORE = 0x36;
const ALIGN_4 = 0x02;

/**
 * The address of the program's `__wasilibc_cwd`, or undefined when there is
 * none to find: the one word of its static data that points at a "/" string
 * and that its code stores to as `i32.store offset=<address>`, the form wasm-ld
 * gives an assignment to a global variable.
 */
export function findCwdSlot(core: Uint8Array): number | undefined {
  const segments = readActiveData(core);
  if (!segments) return undefined;
  const byteAt = (address: number): number | undefined => {
    for (const { offset, contents } of segments) {
      if (address >= offset && address < offset + contents.length) return contents[address - offset];
    }
    return undefined;
  };
  const pointsAtSlash = (target: number): boolean => byteAt(target) === SLASH && byteAt(target + 1) === 0;
  const stores = storedOffsets(codeBytes(core));
  const found: number[] = [];
  for (const { offset, contents } of segments) {
    const view = new DataView(contents.buffer, contents.byteOffset, contents.byteLength);
    for (let at = (4 - (offset % 4)) % 4; at + 4 <= contents.length; at += 4) {
      const address = offset + at;
      if (stores.has(address) && pointsAtSlash(view.getUint32(at, true))) found.push(address);
    }
  }
  return found.length === 1 ? found[0] : undefined;
}

// Every offset of an aligned `i32.store` in the code: a superset (a byte pattern, not a parse), narrowed by the data.
function storedOffsets(code: Uint8Array): Set<number> {
  const offsets = new Set<number>();
  for (let i = 0; i + 2 < code.length; i++) {
    if (code[i] !== I32_STORE || code[i + 1] !== ALIGN_4) continue;
    try {
      offsets.add(new ByteReader(code, i + 2).u32());
    } catch {
      // Bytes that only look like a store, at the end of the code: no offset.
    }
  }
  return offsets;
}
