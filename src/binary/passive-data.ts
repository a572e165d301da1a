// Fills a passive data segment of a core module after the fact: the module is
// written (as WAT) with a short placeholder segment, and the real bytes go in
// here, in binary. Printing megabytes of file contents as WAT text and parsing
// them back would cost seconds.
import { ByteWriter } from './byte-writer.js';
import { readSections } from './component-reader.js';

const DATA_SECTION = 11;
const PASSIVE = 0x01;

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  outer: for (let i = from; i + needle.length <= to; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** `module` with the passive segment whose contents are `placeholder` holding `bytes` instead. */
export function fillPassiveSegment(module: Uint8Array, placeholder: Uint8Array, bytes: Uint8Array): Uint8Array {
  const data = readSections(module).find((s) => s.id === DATA_SECTION);
  const at = data ? indexOf(module, placeholder, data.contentStart, data.end) : -1;
  // The segment is `0x01`, the LEB128 length, then the contents; the placeholder is short, so its length is one byte.
  if (!data || at < 2 || module[at - 1] !== placeholder.length || module[at - 2] !== PASSIVE) {
    throw new Error('assertion failed: the module has no passive segment holding the placeholder');
  }
  const contents = new ByteWriter()
    .raw(module.subarray(data.contentStart, at - 1))
    .u32(bytes.length)
    .raw(bytes)
    .raw(module.subarray(at + placeholder.length, data.end))
    .finish();
  return new ByteWriter()
    .raw(module.subarray(0, data.start))
    .section(DATA_SECTION, contents)
    .raw(module.subarray(data.end))
    .finish();
}
