// Data segments whose bytes stay out of a unit until the build's output is
// made: a segment holds a short placeholder while the unit is edited as WAT,
// made a component by jco, composed and validated, and the real bytes go in
// last, in binary. Printing megabytes as WAT text and parsing them back costs
// seconds, and jco's memory holds an input and its output at once. So it is
// for the embedded files (a passive segment the unit's WAT declares) and for
// the large active segments of a Wizer snapshot (the vfs unit's tree).
import { randomBytes } from 'node:crypto';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { sameBytes } from './bytes.js';
import { SECTION } from './component-format.js';
import { binaryKind, readSections } from './component-reader.js';

const DATA_SECTION = 11;
const END = 0x0b;

/** A segment's placeholder, and the bytes that take its place. */
export interface SegmentFill {
  readonly placeholder: Uint8Array;
  readonly chunks: readonly Uint8Array[];
}

/** One data segment: everything before its contents (flags, offset), and its contents. */
interface Segment {
  readonly head: Uint8Array;
  readonly contents: Uint8Array;
}

// Skips an offset expression of the shapes Wizer and wasm-tools write: one constant or global, then `end`.
function skipOffset(r: ByteReader): boolean {
  const op = r.u8();
  if (op !== 0x41 && op !== 0x42 && op !== 0x23) return false;
  while (r.u8() & 0x80);
  return r.u8() === END;
}

// The segments of a module's data section; undefined for a shape this does not read.
function readSegments(module: Uint8Array, data: { contentStart: number; end: number }): Segment[] | undefined {
  const r = new ByteReader(module, data.contentStart, data.end);
  const segments: Segment[] = [];
  for (let count = r.u32(); count > 0; count--) {
    const start = r.offset;
    const flag = r.u32();
    if (flag === 2) r.u32();
    if (flag > 2 || (flag !== 1 && !skipOffset(r))) return undefined;
    const head = module.subarray(start, r.offset);
    segments.push({ head, contents: r.take(r.u32()) });
  }
  return segments;
}

function writeSegments(module: Uint8Array, data: { start: number; end: number }, segments: ReadonlyArray<{ head: Uint8Array; chunks: readonly Uint8Array[] }>): ByteWriter {
  const contents = new ByteWriter().u32(segments.length);
  for (const { head, chunks } of segments) {
    contents.raw(head).u32(chunks.reduce((n, c) => n + c.length, 0));
    for (const chunk of chunks) contents.raw(chunk);
  }
  return new ByteWriter().raw(module.subarray(0, data.start)).section(DATA_SECTION, contents).raw(module.subarray(data.end));
}

const PREFIX = new TextEncoder().encode('virt-segment-');
const KEY_LENGTH = 16;

// The placeholder's key, when `bytes` is one.
function keyOf(bytes: Uint8Array): string | undefined {
  if (bytes.length !== PREFIX.length + KEY_LENGTH || !sameBytes(bytes.subarray(0, PREFIX.length), PREFIX)) return undefined;
  return new TextDecoder().decode(bytes.subarray(PREFIX.length));
}

// The keys of every placeholder in `bytes`, in one scan.
function keysIn(bytes: Uint8Array): Set<string> {
  const keys = new Set<string>();
  for (let at = bytes.indexOf(PREFIX[0]); at >= 0 && at + PREFIX.length + KEY_LENGTH <= bytes.length; at = bytes.indexOf(PREFIX[0], at + 1)) {
    const key = keyOf(bytes.subarray(at, at + PREFIX.length + KEY_LENGTH));
    if (key) keys.add(key);
  }
  return keys;
}

// `binary` with each segment whose whole contents are a placeholder holding its chunks, unjoined; `used` collects
// the keys it filled. Bytes that merely contain a placeholder (inside another module, say) are left as they are.
function filled(binary: Uint8Array, fills: ReadonlyMap<string, readonly Uint8Array[]>, used: Set<string>): ByteWriter {
  if (binaryKind(binary) === 'module') {
    const data = readSections(binary).find((s) => s.id === DATA_SECTION);
    const segments = data && readSegments(binary, data);
    if (!data || !segments) return new ByteWriter().raw(binary);
    return writeSegments(binary, data, segments.map(({ head, contents }) => {
      const key = keyOf(contents);
      const chunks = key === undefined ? undefined : fills.get(key);
      if (chunks) used.add(key!);
      return { head, chunks: chunks ?? [contents] };
    }));
  }
  const out = new ByteWriter().raw(binary.subarray(0, 8));
  for (const section of readSections(binary)) {
    const body = binary.subarray(section.contentStart, section.end);
    const nested = section.id === SECTION.coreModule || section.id === SECTION.component;
    if (nested && [...keysIn(body)].some((key) => fills.has(key))) out.section(section.id, filled(body, fills, used));
    else out.raw(binary.subarray(section.start, section.end));
  }
  return out;
}

/**
 * `binary` (a core module, or a component with modules at any depth) with
 * each data segment whose contents are a fill's placeholder holding that
 * fill's chunks instead. Each chunk is copied once, into the result.
 */
export function fillSegments(binary: Uint8Array, fills: readonly SegmentFill[]): Uint8Array {
  if (!fills.length) return binary;
  const byKey = new Map(fills.map((f) => [keyOf(f.placeholder)!, f.chunks]));
  const used = new Set<string>();
  const out = filled(binary, byKey, used).finish();
  if (used.size !== byKey.size) throw new Error('assertion failed: a data segment placeholder is missing from the output');
  return out;
}

/** A placeholder no other bytes hold: random, and short enough for a one-byte length. */
export function segmentPlaceholder(): Uint8Array {
  return new TextEncoder().encode(`virt-segment-${randomBytes(KEY_LENGTH / 2).toString('hex')}`);
}

/**
 * `module` with the contents of each active segment of at least `minBytes`
 * set aside: a placeholder holds its place, to be filled with `fillSegments`.
 * A module whose data section has a shape this does not read is left whole.
 */
export function setAsideLargeSegments(module: Uint8Array, minBytes: number): { module: Uint8Array; fills: SegmentFill[] } {
  const data = readSections(module).find((s) => s.id === DATA_SECTION);
  const segments = data && readSegments(module, data);
  if (!data || !segments?.some((s) => s.contents.length >= minBytes)) return { module, fills: [] };
  const fills: SegmentFill[] = [];
  const slim = segments.map(({ head, contents }) => {
    if (contents.length < minBytes) return { head, chunks: [contents] };
    const placeholder = segmentPlaceholder();
    fills.push({ placeholder, chunks: [contents] });
    return { head, chunks: [placeholder] };
  });
  return { module: writeSegments(module, data, slim).finish(), fills };
}
