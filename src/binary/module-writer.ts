// Edits of a core module's binary that leave everything but the edited section
// byte for byte as it was. The mirror of module-reader.ts.
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { readSections } from './component-reader.js';
import { EXPORT_SECTION, GLOBAL_SECTION, IMPORT_SECTION, readGlobalInits, readImportDesc } from './module-reader.js';

// The module with each section `id` rewritten: `rewrite` reads its contents and returns the new ones.
function rewriteSections(bytes: Uint8Array, id: number, rewrite: (r: ByteReader) => Uint8Array): Uint8Array {
  const out = new ByteWriter().raw(bytes.subarray(0, 8));
  for (const section of readSections(bytes)) {
    if (section.id === id) out.section(id, rewrite(new ByteReader(bytes, section.contentStart, section.end)));
    else out.raw(bytes.subarray(section.start, section.end));
  }
  return out.finish();
}

/** The module with some imports renamed: `rename` gives an import its new module and name, or undefined to keep it. */
export function renameImports(bytes: Uint8Array, rename: (module: string, name: string) => { module: string; name: string } | undefined): Uint8Array {
  return rewriteSections(bytes, IMPORT_SECTION, (r) => {
    const entries = r.vec(() => {
      const module = r.name();
      const name = r.name();
      const start = r.offset;
      readImportDesc(r);
      return { ...(rename(module, name) ?? { module, name }), desc: bytes.subarray(start, r.offset) };
    });
    return new ByteWriter().vec(entries, (w, e) => w.name(e.module).name(e.name).raw(e.desc)).finish();
  });
}

/** The module with its exports renamed: `rename` gives each its new name, from its name and its position, or null to drop it. */
export function renameExports(bytes: Uint8Array, rename: (name: string, index: number) => string | null): Uint8Array {
  return rewriteSections(bytes, EXPORT_SECTION, (r) => {
    let index = 0;
    const entries = r.vec(() => ({ name: rename(r.name(), index++), kind: r.u8(), item: r.u32() }))
      .filter((e): e is { name: string; kind: number; item: number } => e.name !== null);
    return new ByteWriter().vec(entries, (w, e) => w.name(e.name).u8(e.kind).u32(e.item)).finish();
  });
}

/** The module with each global that starts as `i32.const from` (a placeholder) starting as `i32.const to` instead. */
export function setGlobalInit(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const inits = readGlobalInits(bytes);
  if (!inits) throw new Error('assertion failed: the module\'s globals start as constants');
  return rewriteSections(bytes, GLOBAL_SECTION, (r) => {
    const out = new ByteWriter();
    let at = r.offset;
    for (const init of inits.filter((g) => g.i32 === from && g.start >= r.offset && g.end <= r.end)) {
      out.raw(bytes.subarray(at, init.start)).u8(0x41).s33(to).u8(0x0b);
      at = init.end;
    }
    return out.raw(bytes.subarray(at, r.end)).finish();
  });
}
