// Which Wasm proposals beyond the core spec a binary's core modules use, read
// from their sections (types, imports, memories, tags), not from their code:
// enough to tell an engine that lacks one before it fails at load.
import { ByteReader } from './byte-reader.js';
import { SECTION } from './component-format.js';
import { binaryKind, readSections } from './component-reader.js';
import { readImportDesc } from './module-reader.js';

/** A Wasm proposal that some engines lack. */
export type WasmFeature = 'exceptions' | 'multi-memory' | 'memory64' | 'threads' | 'gc';

const CORE = { type: 1, import: 2, memory: 5, tag: 13 } as const;
const KIND = { memory: 0x02, tag: 0x04 } as const;
const LIMITS = { shared: 0x02, memory64: 0x04 } as const;
const FUNC_TYPE = 0x60;
const TYPED_REF = [0x63, 0x64];

/** The features the core modules of a component (or a core module) use, each once, in a fixed order. */
export function wasmFeatures(bytes: Uint8Array): WasmFeature[] {
  const found = new Set<WasmFeature>();
  collect(bytes, found);
  return (['exceptions', 'multi-memory', 'memory64', 'threads', 'gc'] as const).filter((f) => found.has(f));
}

function collect(bytes: Uint8Array, found: Set<WasmFeature>): void {
  if (binaryKind(bytes) === 'module') return moduleFeatures(bytes, found);
  for (const section of readSections(bytes)) {
    if (section.id === SECTION.coreModule || section.id === SECTION.component) collect(bytes.subarray(section.contentStart, section.end), found);
  }
}

// A LEB128 number of any width (a memory64 limit is a u64).
function skipLeb(r: ByteReader): void {
  while (r.u8() & 0x80);
}

// A rec group, struct, array or subtype instead of a function type, or a typed
// reference (`ref null ht`, `ref ht`) in one, is GC's (and function references').
function usesTypedReferences(r: ByteReader): boolean {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    if (r.u8() !== FUNC_TYPE) return true;
    for (let list = 0; list < 2; list++) {
      const length = r.u32();
      for (let j = 0; j < length; j++) if (TYPED_REF.includes(r.u8())) return true;
    }
  }
  return false;
}

function moduleFeatures(bytes: Uint8Array, found: Set<WasmFeature>): void {
  let memories = 0;
  const memory = (flags: number): void => {
    memories++;
    if (flags & LIMITS.shared) found.add('threads');
    if (flags & LIMITS.memory64) found.add('memory64');
  };
  for (const section of readSections(bytes)) {
    const r = new ByteReader(bytes, section.contentStart, section.end);
    if (section.id === CORE.tag) found.add('exceptions');
    else if (section.id === CORE.type) {
      if (usesTypedReferences(r)) found.add('gc');
    } else if (section.id === CORE.memory) {
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const flags = r.u8();
        memory(flags);
        skipLeb(r);
        if (flags & 0x01) skipLeb(r);
      }
    } else if (section.id === CORE.import) {
      r.vec(() => {
        r.name();
        r.name();
        const kind = r.peek();
        const start = r.offset;
        readImportDesc(r);
        if (kind === KIND.memory) memory(bytes[start + 1]);
        if (kind === KIND.tag) found.add('exceptions');
      });
    }
  }
  if (memories > 1) found.add('multi-memory');
}
