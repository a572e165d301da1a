// Fills a passive data segment after the fact: a module is written (as WAT)
// with a short placeholder segment, and the real bytes go in here, in binary.
// Printing megabytes of file contents as WAT text and parsing them back would
// cost seconds; and a build composes and validates its output with the
// placeholder, filling it last, so that the embedded bytes never pass
// through jco (whose memory holds an input and its output at once).
import { ByteWriter } from './byte-writer.js';
import { SECTION } from './component-format.js';
import { binaryKind, readSections } from './component-reader.js';

const DATA_SECTION = 11;
const PASSIVE = 0x01;

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  outer: for (let i = from; i + needle.length <= to; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

// A core module with the placeholder's segment holding `chunks`, unjoined.
function filledModule(module: Uint8Array, placeholder: Uint8Array, chunks: readonly Uint8Array[]): ByteWriter {
  const data = readSections(module).find((s) => s.id === DATA_SECTION);
  const at = data ? indexOf(module, placeholder, data.contentStart, data.end) : -1;
  // The segment is `0x01`, the LEB128 length, then the contents; the placeholder is short, so its length is one byte.
  if (!data || at < 2 || module[at - 1] !== placeholder.length || module[at - 2] !== PASSIVE) {
    throw new Error('assertion failed: the module has no passive segment holding the placeholder');
  }
  const contents = new ByteWriter().raw(module.subarray(data.contentStart, at - 1)).u32(chunks.reduce((n, c) => n + c.length, 0));
  for (const chunk of chunks) contents.raw(chunk);
  contents.raw(module.subarray(at + placeholder.length, data.end));
  return new ByteWriter().raw(module.subarray(0, data.start)).section(DATA_SECTION, contents).raw(module.subarray(data.end));
}

// A component or module in which the core module (at any depth) that holds the placeholder holds `chunks` instead.
function filled(binary: Uint8Array, placeholder: Uint8Array, chunks: readonly Uint8Array[]): ByteWriter {
  if (binaryKind(binary) === 'module') return filledModule(binary, placeholder, chunks);
  const at = indexOf(binary, placeholder, 8, binary.length);
  const section = readSections(binary).find((s) => s.contentStart <= at && at < s.end);
  if (!section || (section.id !== SECTION.coreModule && section.id !== SECTION.component)) {
    throw new Error('assertion failed: the placeholder of a passive segment is in no nested module');
  }
  const inner = filled(binary.subarray(section.contentStart, section.end), placeholder, chunks);
  return new ByteWriter().raw(binary.subarray(0, section.start)).section(section.id, inner).raw(binary.subarray(section.end));
}

/**
 * `binary` (a core module, or a component at any depth of nesting) with the
 * passive segment whose contents are `placeholder` holding `chunks` instead.
 * The chunks are copied once, into the result.
 */
export function fillPassiveSegment(binary: Uint8Array, placeholder: Uint8Array, chunks: readonly Uint8Array[]): Uint8Array {
  return filled(binary, placeholder, chunks).finish();
}
