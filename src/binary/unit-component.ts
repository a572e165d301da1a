// Trims what wit-component leaves in a unit component that nothing reads at run time. The names that tie a
// unit's core module to its lifts (`cm32p2|wasi:filesystem/types@0.2|[method]descriptor.open-at`, once in the
// module's exports and once in the alias that takes each) become a few characters, and the `producers`
// sections go. A unit's `name` sections stay: a trap names its function, such as `connect-denied-by-manifest`.
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { SECTION } from './component-format.js';
import { readComponent, readSections, withoutCustomSections, type Section } from './component-reader.js';
import { renameExports } from './module-writer.js';

// Core sorts, as the binary spells them after the `core` byte.
const CORE_MODULE = 0x11;
const CORE_INSTANCE = 0x12;

// Which core module each core instance is (undefined for an instance made of exports), and the instances
// given to an instantiation, whose export names the importing module spells: their modules keep their names.
function coreInstances(bytes: Uint8Array, sections: readonly Section[]): { moduleOf: Array<number | undefined>; passed: Set<number> } {
  const moduleOf: Array<number | undefined> = [];
  const passed = new Set<number>();
  for (const section of sections.filter((s) => s.id === SECTION.coreInstance)) {
    const r = new ByteReader(bytes, section.contentStart, section.end);
    r.vec(() => {
      const made = r.u8() === 0x00;
      moduleOf.push(made ? r.u32() : undefined);
      r.vec(() => {
        r.name();
        const sort = r.u8();
        const index = r.u32();
        if (made && sort === CORE_INSTANCE) passed.add(index);
      });
    });
  }
  return { moduleOf, passed };
}

/**
 * The aliases with the core export names `rename` gives (undefined keeps one); undefined when an alias adds a
 * core module or instance, which would shift the indices counted here.
 */
function renameAliases(content: Uint8Array, rename: (instance: number, name: string) => string | undefined): Uint8Array | undefined {
  const r = new ByteReader(content);
  const out = new ByteWriter();
  const count = r.u32();
  out.u32(count);
  for (let i = 0; i < count; i++) {
    const start = r.offset;
    const sort = r.u8();
    if (sort === 0x00 && [CORE_MODULE, CORE_INSTANCE].includes(r.u8())) return undefined;
    const target = r.u8();
    if (target === 0x01) {
      const instance = r.u32();
      out.raw(content.subarray(start, r.offset));
      const name = r.name();
      out.name(rename(instance, name) ?? name);
      continue;
    }
    r.u32();
    if (target === 0x00) r.name();
    else r.u32();
    out.raw(content.subarray(start, r.offset));
  }
  return out.finish();
}

/** The unit component, trimmed; its top-level custom sections go too. Anything but a unit's shape is only stripped. */
export function trimUnitComponent(component: Uint8Array): Uint8Array {
  const bytes = withoutCustomSections(component);
  // Core modules are counted by their sections: an imported one would shift them.
  if (readComponent(bytes).imports.some((i) => i.sort === 'core')) return bytes;
  const sections = readSections(bytes);
  const { moduleOf, passed } = coreInstances(bytes, sections);
  const renamed = new Set(moduleOf);
  moduleOf.forEach((m, instance) => passed.has(instance) && renamed.delete(m));
  const namesOf = new Map<number, Map<string, string>>(); // module → its exports' new names
  const out = new ByteWriter().raw(bytes.subarray(0, 8));
  let modules = 0;
  for (const section of sections) {
    const content = bytes.subarray(section.contentStart, section.end);
    if (section.id === SECTION.coreModule) {
      const index = modules++;
      let module = withoutCustomSections(content, (name) => name !== 'producers');
      if (renamed.has(index)) {
        const names = new Map<string, string>();
        namesOf.set(index, names);
        module = renameExports(module, (name, at) => {
          names.set(name, at.toString(36));
          return at.toString(36);
        });
      }
      out.section(section.id, module);
    } else if (section.id === SECTION.alias) {
      const aliases = renameAliases(content, (instance, name) => namesOf.get(moduleOf[instance] ?? -1)?.get(name));
      if (!aliases) return bytes;
      out.section(section.id, aliases);
    } else {
      out.raw(bytes.subarray(section.start, section.end));
    }
  }
  return out.finish();
}
