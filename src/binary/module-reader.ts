// Reads a core module's imports and exports: enough to tell a WASI preview-1
// command or reactor from anything else.
import { ByteReader } from './byte-reader.js';
import { readSections } from './component-reader.js';

/** A core module's import or export name, with its kind and, for a function, its signature: `(i32 i32) -> (i32)`. */
export interface CoreName {
  readonly module?: string;
  readonly name: string;
  readonly kind?: 'func' | 'table' | 'memory' | 'global' | 'tag';
  readonly signature?: string;
}

/** The ids of the core sections virt reads. */
export const IMPORT_SECTION = 2;
const TYPE_SECTION = 1;
const FUNCTION_SECTION = 3;
export const EXPORT_SECTION = 7;
export const GLOBAL_SECTION = 6;
export const CODE_SECTION = 10;
export const DATA_SECTION = 11;
const KINDS = ['func', 'table', 'memory', 'global', 'tag'] as const;
const VALTYPES: Readonly<Record<number, string>> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };

function skipLimits(r: ByteReader): void {
  const flags = r.u8();
  r.u32();
  if (flags & 0x01) r.u32();
}

/** Reads past an import's descriptor: a function, table, memory, global or tag; returns its kind and a function's type index. */
export function readImportDesc(r: ByteReader): { kind: CoreName['kind']; type?: number } {
  const kind = r.u8();
  if (kind === 0x00 || kind === 0x04) {
    if (kind === 0x04) r.u8();
    return { kind: KINDS[kind], type: r.u32() };
  } else if (kind === 0x01) {
    r.u8();
    skipLimits(r);
  } else if (kind === 0x02) skipLimits(r);
  else if (kind === 0x03) {
    r.u8();
    r.u8();
  } else r.fail(`unknown import kind 0x${kind.toString(16)}`);
  return { kind: KINDS[kind] };
}

// One function type, as `(i32 i32) -> (i32)`.
function readFuncType(r: ByteReader): string {
  if (r.u8() !== 0x60) r.fail('a type that is not a function type (GC types are not supported)');
  const types = () => r.vec(() => VALTYPES[r.u8()] ?? 'ref').join(' ');
  const params = types();
  return `(${params}) -> (${types()})`;
}

/** The imports and exports of a core module, with the signature of each function. */
export function readModuleInterface(bytes: Uint8Array): { imports: CoreName[]; exports: CoreName[] } {
  const imports: CoreName[] = [];
  const exports: CoreName[] = [];
  const types: string[] = [];
  const funcTypes: number[] = []; // the type index of each function, imported ones first
  for (const section of readSections(bytes)) {
    const r = new ByteReader(bytes, section.contentStart, section.end);
    if (section.id === TYPE_SECTION) {
      types.push(...r.vec(() => readFuncType(r)));
    } else if (section.id === IMPORT_SECTION) {
      r.vec(() => {
        const module = r.name();
        const name = r.name();
        const { kind, type } = readImportDesc(r);
        if (type !== undefined && kind === 'func') funcTypes.push(type);
        imports.push({ module, name, kind, ...(kind === 'func' && type !== undefined ? { signature: types[type] } : {}) });
      });
    } else if (section.id === FUNCTION_SECTION) {
      funcTypes.push(...r.vec(() => r.u32()));
    } else if (section.id === EXPORT_SECTION) {
      r.vec(() => {
        const name = r.name();
        const kind = KINDS[r.u8()];
        const index = r.u32();
        const type = kind === 'func' ? funcTypes[index] : undefined;
        exports.push({ name, kind, ...(type !== undefined && types[type] ? { signature: types[type] } : {}) });
      });
    }
  }
  return { imports, exports };
}

/** An active data segment at a constant address of memory 0. */
export interface ActiveData {
  readonly offset: number;
  readonly contents: Uint8Array;
}

/** The module's active data segments, each at an `i32.const` address (as wasm-ld writes them); undefined for another shape. */
export function readActiveData(bytes: Uint8Array): ActiveData[] | undefined {
  const segments: ActiveData[] = [];
  for (const section of readSections(bytes)) {
    if (section.id !== DATA_SECTION) continue;
    const r = new ByteReader(bytes, section.contentStart, section.end);
    for (let count = r.u32(); count > 0; count--) {
      const flag = r.u32();
      if (flag === 1) {
        r.take(r.u32());
        continue;
      }
      if (flag > 2 || (flag === 2 && r.u32() !== 0) || r.u8() !== 0x41) return undefined;
      // A non-negative i32.const reads as its unsigned LEB128.
      const offset = r.u32();
      if (offset > 0x7fffffff || r.u8() !== 0x0b) return undefined;
      segments.push({ offset, contents: r.take(r.u32()) });
    }
  }
  return segments;
}

/** The size of each entry of a code section (a function body with its size) or of a data section of passive segments. */
export function entrySizes(bytes: Uint8Array, id: typeof CODE_SECTION | typeof DATA_SECTION): number[] {
  const section = readSections(bytes).find((s) => s.id === id);
  if (!section) return [];
  const r = new ByteReader(bytes, section.contentStart, section.end);
  return r.vec(() => {
    const start = r.offset;
    if (id === DATA_SECTION && r.u32() !== 0x01) r.fail('an active data segment, where only passive ones are measured');
    r.take(r.u32());
    return r.offset - start;
  });
}

/** The bytes of the module's code section, empty when it has none. */
export function codeBytes(bytes: Uint8Array): Uint8Array {
  const code = readSections(bytes).find((s) => s.id === CODE_SECTION);
  return code ? bytes.subarray(code.contentStart, code.end) : new Uint8Array();
}

/** A global's initializer expression, where it lies in the module, and its value when it is an `i32.const`. */
export interface GlobalInit {
  readonly start: number;
  readonly end: number;
  readonly i32?: number;
}

/** The initializers of the module's own globals; undefined when one is an expression of another shape than a constant. */
export function readGlobalInits(bytes: Uint8Array): GlobalInit[] | undefined {
  const inits: GlobalInit[] = [];
  for (const section of readSections(bytes)) {
    if (section.id !== GLOBAL_SECTION) continue;
    const r = new ByteReader(bytes, section.contentStart, section.end);
    for (let count = r.u32(); count > 0; count--) {
      r.take(2); // value type, mutability
      const start = r.offset;
      const op = r.u8();
      let i32: number | undefined;
      if (op === 0x41) i32 = r.s32();
      else if (op === 0x42) r.skipLeb();
      else if (op === 0x23 || op === 0xd2) r.u32();
      else if (op === 0x43 || op === 0x44) r.take(op === 0x43 ? 4 : 8);
      else if (op === 0xd0) r.u8();
      else return undefined;
      if (r.u8() !== 0x0b) return undefined;
      inits.push({ start, end: r.offset, ...(i32 !== undefined ? { i32 } : {}) });
    }
  }
  return inits;
}
