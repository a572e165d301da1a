// Trims what wit-component leaves in a unit component that nothing reads at run time. The names that tie a
// unit's core modules to each other and to its lifts and lowers become a few characters:
// - export names (`cm32p2|wasi:filesystem/types@0.2|[method]descriptor.open-at`), in the module's exports and
//   in the alias that takes each;
// - import names (`wasi:io/streams@0.2.12`, `[method]output-stream.write`), in the module's imports and in the
//   instantiation and the instance of lowered functions that satisfy them.
// The `producers` sections go too. A unit's `name` sections stay: a trap names its function, such as
// `connect-denied-by-manifest`.
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { SECTION } from './component-format.js';
import { readComponent, readSections, withoutCustomSections, type Section } from './component-reader.js';
import { renameExports, renameImports } from './module-writer.js';

// Core sorts, as the binary spells them after the `core` byte.
const CORE_MODULE = 0x11;
const CORE_INSTANCE = 0x12;

type Item = { name: string; sort: number; index: number };
/** A core instance: a module instantiated with named instances, or a bag of exports. */
type CoreInstance = { module: number; args: Item[] } | { module?: undefined; exports: Item[] };

function readCoreInstances(bytes: Uint8Array, section: Section): CoreInstance[] {
  const r = new ByteReader(bytes, section.contentStart, section.end);
  const item = (): Item => ({ name: r.name(), sort: r.u8(), index: r.u32() });
  return r.vec(() => (r.u8() === 0x00 ? { module: r.u32(), args: r.vec(item) } : { exports: r.vec(item) }));
}

function writeCoreInstances(instances: readonly CoreInstance[]): Uint8Array {
  const items = (w: ByteWriter, list: readonly Item[]) => w.vec(list, (v, i) => v.name(i.name).u8(i.sort).u32(i.index));
  return new ByteWriter().vec(instances, (w, instance) => {
    if (instance.module === undefined) items(w.u8(0x01), instance.exports);
    else items(w.u8(0x00).u32(instance.module), instance.args);
  }).finish();
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

const short = (index: number): string => index.toString(36);

/** Counts each value's occurrences. */
function counts<T>(values: readonly T[]): Map<T, number> {
  const out = new Map<T, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}

/** The unit component, trimmed; its top-level custom sections go too. Anything but a unit's shape is only stripped. */
export function trimUnitComponent(component: Uint8Array): Uint8Array {
  const bytes = withoutCustomSections(component);
  // Core modules are counted by their sections: an imported one would shift them.
  if (readComponent(bytes).imports.some((i) => i.sort === 'core')) return bytes;
  const sections = readSections(bytes);
  // Each core instance section's instances, in order: together, the core instance index space.
  const instancesOf = new Map(sections.filter((s) => s.id === SECTION.coreInstance).map((s) => [s, readCoreInstances(bytes, s)]));
  const instances = [...instancesOf.values()].flat();
  const made = instances.flatMap((instance) => (instance.module === undefined ? [] : [instance]));
  const passed = counts(made.flatMap((i) => i.args.filter((a) => a.sort === CORE_INSTANCE).map((a) => a.index)));
  const instantiated = counts(made.map((i) => i.module));
  // Instances whose exports an alias takes by name: a bag of them keeps its names.
  const aliased = new Set<number>();
  for (const section of sections.filter((s) => s.id === SECTION.alias)) {
    renameAliases(bytes.subarray(section.contentStart, section.end), (instance) => void aliased.add(instance));
  }

  // A module whose instances are only aliased takes short export names; an instance given to an
  // instantiation keeps its names, which the importing module spells.
  const keepsExports = new Set(instances.flatMap((instance, i) => (instance.module !== undefined && passed.has(i) ? [instance.module] : [])));
  const exportNames = new Map<number, Map<string, string>>(); // module → its exports' new names
  // A module instantiated once takes short import names where a bag of exports made for it alone satisfies them.
  const importNames = new Map<number, Map<string, { module: string; names: Map<string, string> }>>();
  for (const instance of made) {
    if (instantiated.get(instance.module) !== 1) continue;
    const byModule = new Map<string, { module: string; names: Map<string, string> }>();
    instance.args.forEach((arg, j) => {
      const bag = instances[arg.index];
      if (arg.sort !== CORE_INSTANCE || bag.module !== undefined || passed.get(arg.index) !== 1 || aliased.has(arg.index)) return;
      const names = new Map<string, string>();
      bag.exports.forEach((e, k) => {
        names.set(e.name, short(k));
        e.name = short(k);
      });
      byModule.set(arg.name, { module: short(j), names });
      arg.name = short(j);
    });
    importNames.set(instance.module, byModule);
  }

  const out = new ByteWriter().raw(bytes.subarray(0, 8));
  let modules = 0;
  for (const section of sections) {
    const content = bytes.subarray(section.contentStart, section.end);
    if (section.id === SECTION.coreModule) {
      const index = modules++;
      let module = withoutCustomSections(content, (name) => name !== 'producers');
      const imports = importNames.get(index);
      if (imports?.size) {
        module = renameImports(module, (from, name) => {
          const bag = imports.get(from);
          return bag && { module: bag.module, name: bag.names.get(name) ?? name };
        });
      }
      if (!keepsExports.has(index)) {
        const names = new Map<string, string>();
        exportNames.set(index, names);
        module = renameExports(module, (name, at) => {
          names.set(name, short(at));
          return short(at);
        });
      }
      out.section(section.id, module);
    } else if (section.id === SECTION.coreInstance) {
      out.section(section.id, writeCoreInstances(instancesOf.get(section)!));
    } else if (section.id === SECTION.alias) {
      const aliases = renameAliases(content, (instance, name) => exportNames.get(instances[instance]?.module ?? -1)?.get(name));
      if (!aliases) return bytes;
      out.section(section.id, aliases);
    } else {
      out.raw(bytes.subarray(section.start, section.end));
    }
  }
  return out.finish();
}
