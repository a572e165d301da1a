// Reads the parts of a component binary that virt needs: its sections, its
// top-level imports (with the function names of imported instance types) and
// exports. Types are decoded only as far as needed to skip over them.
import { ByteReader } from './byte-reader.js';
import { ComponentReadError } from './errors.js';
import { SECTION, SORT, type Sort } from './component-format.js';

/** One section of a component: its id and the byte ranges of the whole section and of its contents. */
export interface Section {
  readonly id: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** A top-level import. `functions` lists an imported instance's function exports. */
export interface ImportEntry {
  readonly name: string;
  readonly sort: Sort;
  readonly functions: readonly string[];
  /**
   * The types an imported instance exports: `resource`, or the encoding of a
   * value type that refers to no other type (a record of primitives, say),
   * which can be defined again where the instance is gone; undefined for other
   * value types.
   */
  readonly types: ReadonlyMap<string, ExportedType>;
  /** The component-level types an imported instance's type refers to (by outer alias). */
  readonly outerTypes: readonly number[];
  /** The types of other imported instances that this one's type refers to: each import's name and the type's name. */
  readonly usesTypesOf: ReadonlyArray<{ readonly import: string; readonly type: string }>;
  /** The component-level type index of an imported instance's type; -1 for other sorts. */
  readonly typeIndex: number;
  /** The byte range of this entry inside its import section. */
  readonly start: number;
  readonly end: number;
}

/** What an instance type says of a type it exports. */
export type ExportedType = Uint8Array | 'resource' | undefined;

/** A top-level export of a component. */
export interface ExportEntry {
  readonly name: string;
  readonly sort: Sort;
}

/** What virt reads from a component. */
export interface ComponentInfo {
  readonly sections: readonly Section[];
  readonly imports: readonly ImportEntry[];
  readonly exports: readonly ExportEntry[];
}

/** What a Wasm binary is. */
export type BinaryKind = 'component' | 'module';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** Tells a component from a core module by the preamble; throws for anything else. */
export function binaryKind(bytes: Uint8Array): BinaryKind {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new ComponentReadError('not a WebAssembly binary (no `\\0asm` magic)', 0);
  }
  const layer = bytes[6] | (bytes[7] << 8);
  if (layer === 0 && bytes[4] === 1 && bytes[5] === 0) return 'module';
  if (layer === 1) return 'component';
  throw new ComponentReadError(`unsupported WebAssembly version or layer (${bytes[4]}, ${layer})`, 4);
}

/** The sections of a component or module, checking that each fits the input. */
export function readSections(bytes: Uint8Array): Section[] {
  const reader = new ByteReader(bytes, 8);
  const sections: Section[] = [];
  while (!reader.done) {
    const start = reader.offset;
    const id = reader.u8();
    const size = reader.u32();
    const contentStart = reader.offset;
    if (contentStart + size > bytes.length) {
      throw new ComponentReadError(`section ${id} runs past the end of the input (truncated file?)`, start);
    }
    reader.offset = contentStart + size;
    sections.push({ id, start, contentStart, end: reader.offset });
  }
  return sections;
}

type TypeEntry =
  | {
    readonly kind: 'instance';
    readonly functions: string[];
    readonly types: Map<string, ExportedType>;
    readonly outerTypes: number[];
    readonly localCount: number;
    readonly localIndex: Map<string, number>;
  }
  | { readonly kind: 'other' };

const NO_TYPES: ReadonlyMap<string, ExportedType> = new Map();

/** Reads a component's sections, imports and exports. */
export function readComponent(bytes: Uint8Array): ComponentInfo {
  if (binaryKind(bytes) !== 'component') throw new ComponentReadError('expected a component, found a core module', 0);
  const sections = readSections(bytes);
  const types: TypeEntry[] = [];
  const imports: ImportEntry[] = [];
  const exports: ExportEntry[] = [];
  // Instance index → its import's name (undefined for other instances); type index → the import type it aliases.
  const instances: Array<string | undefined> = [];
  const aliasedTypes = new Map<number, { import: string; type: string }>();
  for (const section of sections) {
    const r = new ByteReader(bytes, section.contentStart, section.end);
    switch (section.id) {
      case SECTION.type:
        r.vec(() => types.push(readDefType(r)));
        break;
      case SECTION.alias:
        r.vec(() => {
          const start = r.offset;
          const sort = readAlias(r);
          const alias = new ByteReader(bytes, start, r.offset);
          readSort(alias);
          const source = alias.u8() === 0x00 ? { instance: instances[alias.u32()], name: alias.name() } : undefined;
          if (sort === 'type') {
            if (source?.instance !== undefined) aliasedTypes.set(types.length, { import: source.instance, type: source.name });
            types.push({ kind: 'other' });
          }
          if (sort === 'instance') instances.push(undefined);
        });
        break;
      case SECTION.import:
        r.vec(() => {
          const start = r.offset;
          const name = readExternName(r);
          const desc = readExternDesc(r);
          if (desc.sort === 'type') types.push({ kind: 'other' });
          const type = desc.sort === 'instance' ? types[desc.index] : undefined;
          const functions = type?.kind === 'instance' ? type.functions : [];
          const exportedTypes = type?.kind === 'instance' ? type.types : NO_TYPES;
          const outerTypes = type?.kind === 'instance' ? type.outerTypes : [];
          if (desc.sort === 'instance') instances.push(name);
          const usesTypesOf = outerTypes.flatMap((t) => aliasedTypes.get(t) ?? []);
          imports.push({
            name, sort: desc.sort, functions, types: exportedTypes, outerTypes, usesTypesOf,
            typeIndex: desc.sort === 'instance' ? desc.index : -1, start, end: r.offset,
          });
        });
        break;
      case SECTION.export:
        r.vec(() => {
          const name = readExternName(r);
          const sort = readSort(r);
          r.u32();
          if (r.u8() === 0x01) readExternDesc(r);
          exports.push({ name, sort });
        });
        break;
      default:
        continue;
    }
    if (r.offset !== section.end) r.fail(`section ${section.id} has trailing bytes`);
  }
  return { sections, imports, exports };
}

/** One entry of a type section: its byte range and, for an instance type, its own type space. */
export interface TypeSectionEntry {
  readonly start: number;
  readonly end: number;
  /** For an instance type: its declarations' count and where they start, and its exported types' local indices. */
  readonly instance?: { readonly declCount: number; readonly declsStart: number; readonly localCount: number; readonly localIndex: ReadonlyMap<string, number> };
}

/** The entries of a component-level type section. */
export function readTypeSection(bytes: Uint8Array, section: Section): TypeSectionEntry[] {
  const r = new ByteReader(bytes, section.contentStart, section.end);
  return r.vec(() => {
    const start = r.offset;
    const isInstance = r.peek() === 0x42;
    let instance: TypeSectionEntry['instance'];
    if (isInstance) {
      const header = new ByteReader(bytes, start + 1, section.end);
      const declCount = header.u32();
      const entry = readDefType(r);
      if (entry.kind === 'instance') instance = { declCount, declsStart: header.offset, localCount: entry.localCount, localIndex: entry.localIndex };
    } else readDefType(r);
    return { start, end: r.offset, ...(instance ? { instance } : {}) };
  });
}

/** An import or export name: a discriminant byte (plain or interface-style), then the name. */
export function readExternName(r: ByteReader): string {
  const kind = r.u8();
  if (kind !== 0x00 && kind !== 0x01) r.fail(`unknown name kind 0x${kind.toString(16)}`);
  return r.name();
}

/** A sort: `core` plus a core sort, or a component-level sort. */
export function readSort(r: ByteReader): Sort {
  const byte = r.u8();
  if (byte === 0x00) {
    r.u8();
    return 'core';
  }
  const sort = SORT.byByte.get(byte);
  if (!sort) r.fail(`unknown sort 0x${byte.toString(16)}`);
  return sort;
}

/** An alias; returns its sort. */
export function readAlias(r: ByteReader): Sort {
  const sort = readSort(r);
  const target = r.u8();
  if (target === 0x00 || target === 0x01) {
    r.u32();
    r.name();
  } else if (target === 0x02) {
    r.u32();
    r.u32();
  } else r.fail(`unknown alias target 0x${target.toString(16)}`);
  return sort;
}

/** An import's or export's descriptor: its sort, and the type (or item) index it names. */
export function readExternDesc(r: ByteReader): { sort: Sort; index: number } {
  const kind = r.u8();
  switch (kind) {
    case 0x00:
      r.u8();
      return { sort: 'core', index: r.u32() };
    case 0x01:
      return { sort: 'func', index: r.u32() };
    case 0x02:
      if (r.u8() === 0x00) r.u32();
      else readValType(r);
      return { sort: 'value', index: 0 };
    case 0x03: // type bound: `eq i` keeps the index, `sub resource` has none
      return { sort: 'type', index: r.u8() === 0x00 ? r.u32() : -1 };
    case 0x04:
      return { sort: 'component', index: r.u32() };
    case 0x05:
      return { sort: 'instance', index: r.u32() };
    default:
      return r.fail(`unknown extern kind 0x${kind.toString(16)}`);
  }
}

// Primitive value types are single bytes: bool 0x7f down to string 0x73, and error-context 0x64.
function isPrimitive(byte: number): boolean {
  return (byte >= 0x73 && byte <= 0x7f) || byte === 0x64;
}

/** Called when a value type refers to another type by index. */
type OnIndex = () => void;

const ignore: OnIndex = () => {};

function readValType(r: ByteReader, onIndex: OnIndex = ignore): void {
  if (isPrimitive(r.peek())) r.u8();
  else {
    r.u32();
    onIndex();
  }
}

/** The bytes of a type definition if it refers to no other type by index. */
function selfContained(bytes: Uint8Array): Uint8Array | undefined {
  let contained = true;
  readDefType(new ByteReader(bytes), () => (contained = false));
  return contained ? bytes : undefined;
}

function readOptional(r: ByteReader, item: () => void): void {
  if (r.u8() === 0x01) item();
}

/** Reads past one type definition. */
export function skipDefType(r: ByteReader): void {
  readDefType(r);
}

function readDefType(r: ByteReader, onIndex: OnIndex = ignore): TypeEntry {
  const at = r.offset;
  const kind = r.u8();
  if (isPrimitive(kind)) return { kind: 'other' };
  switch (kind) {
    case 0x72: // record
      r.vec(() => (r.name(), readValType(r, onIndex)));
      break;
    case 0x71: // variant
      r.vec(() => {
        r.name();
        readOptional(r, () => readValType(r, onIndex));
        if (r.u8() === 0x01) r.u32();
      });
      break;
    case 0x70: // list
    case 0x6b: // option
      readValType(r, onIndex);
      break;
    case 0x67: // fixed-size list
      readValType(r, onIndex);
      r.u32();
      break;
    case 0x6f: // tuple
      r.vec(() => readValType(r, onIndex));
      break;
    case 0x6e: // flags
    case 0x6d: // enum
      r.vec(() => r.name());
      break;
    case 0x6a: // result
      readOptional(r, () => readValType(r, onIndex));
      readOptional(r, () => readValType(r, onIndex));
      break;
    case 0x69: // own
    case 0x68: // borrow
      r.u32();
      onIndex();
      break;
    case 0x66: // stream
    case 0x65: // future
      readOptional(r, () => readValType(r, onIndex));
      break;
    case 0x40: // func
    case 0x43: // async func
      r.vec(() => (r.name(), readValType(r, onIndex)));
      if (r.u8() === 0x00) readValType(r, onIndex);
      else r.vec(() => (r.name(), readValType(r, onIndex)));
      break;
    case 0x3f: // resource
      r.u8();
      readOptional(r, () => r.u32());
      break;
    case 0x41: // component type
      r.vec(() => {
        if (r.peek() === 0x03) {
          r.u8();
          readExternName(r);
          readExternDesc(r);
        } else readInstanceDecl(r, { functions: [], types: new Map(), local: [], outerTypes: [], localIndex: new Map() });
      });
      break;
    case 0x42: { // instance type
      const decls: InstanceDecls = { functions: [], types: new Map(), local: [], outerTypes: [], localIndex: new Map() };
      r.vec(() => readInstanceDecl(r, decls));
      return {
        kind: 'instance',
        functions: decls.functions,
        types: decls.types,
        outerTypes: decls.outerTypes,
        localCount: decls.local.length,
        localIndex: decls.localIndex,
      };
    }
    default:
      throw new ComponentReadError(`unknown type constructor 0x${kind.toString(16)}`, at);
  }
  return { kind: 'other' };
}

/** What an instance type declares: function names, exported types, and its own type index space. */
interface InstanceDecls {
  readonly functions: string[];
  readonly types: Map<string, ExportedType>;
  readonly local: Array<Uint8Array | undefined>;
  readonly outerTypes: number[];
  /** Exported type name → its index in the instance type's own type space. */
  readonly localIndex: Map<string, number>;
}

function readInstanceDecl(r: ByteReader, decls: InstanceDecls): void {
  const kind = r.u8();
  switch (kind) {
    case 0x00:
      readCoreType(r);
      return;
    case 0x01: {
      const start = r.offset;
      readDefType(r);
      decls.local.push(selfContained(r.bytes.subarray(start, r.offset)));
      return;
    }
    case 0x02: {
      const start = r.offset;
      if (readAlias(r) !== 'type') return;
      decls.local.push(undefined);
      // `alias outer 1 i (type)`: this instance type uses the enclosing component's type i.
      const alias = new ByteReader(r.bytes, start, r.offset);
      readSort(alias);
      if (alias.u8() === 0x02 && alias.u32() === 1) decls.outerTypes.push(alias.u32());
      return;
    }
    case 0x04: {
      const name = readExternName(r);
      const desc = readExternDesc(r);
      if (desc.sort === 'func') decls.functions.push(name);
      if (desc.sort === 'type') {
        const bytes = desc.index >= 0 ? decls.local[desc.index] : undefined;
        decls.types.set(name, desc.index >= 0 ? bytes : 'resource');
        decls.localIndex.set(name, decls.local.length);
        decls.local.push(bytes);
      }
      return;
    }
    default:
      r.fail(`unknown instance declaration 0x${kind.toString(16)}`);
  }
}

function readCoreType(r: ByteReader): void {
  const kind = r.u8();
  if (kind === 0x60) {
    r.vec(() => r.u8());
    r.vec(() => r.u8());
    return;
  }
  r.fail(`unsupported core type 0x${kind.toString(16)} in a component type`);
}

/**
 * The binary (a component, or a core module) without its top-level custom sections, or without those
 * `keep` refuses: a unit needs no names or producers at run time.
 */
export function withoutCustomSections(bytes: Uint8Array, keep: (name: string) => boolean = () => false): Uint8Array {
  const kept = readSections(bytes).filter((s) => s.id !== SECTION.custom || keep(new ByteReader(bytes, s.contentStart, s.end).name()));
  const out = new Uint8Array(8 + kept.reduce((n, s) => n + s.end - s.start, 0));
  out.set(bytes.subarray(0, 8));
  let at = 8;
  for (const s of kept) {
    out.set(bytes.subarray(s.start, s.end), at);
    at += s.end - s.start;
  }
  return out;
}
