// The outer component's imports are the app's own import declarations, less
// the ones a unit now provides. Copying the app's leading type/import/alias
// sections keeps every type exactly as the app declared it, whatever its WASI
// version, and custom interfaces pass through unchanged.
import { ByteReader } from '../binary/byte-reader.js';
import { ByteWriter } from '../binary/byte-writer.js';
import { SECTION, SORT, type Sort } from '../binary/component-format.js';
import { readAlias, readSort, readTypeSection, type ComponentInfo, type ImportEntry } from '../binary/component-reader.js';
import type { Widening } from '../units/unit.js';
import { CompositionError } from './errors.js';

/** An item in one of the outer component's index spaces. */
export interface ItemRef {
  readonly sort: Sort;
  readonly index: number;
}

/** The outer component's leading sections and what they define. */
export interface OuterImports {
  /** Encoded sections, in order. */
  readonly sections: readonly Uint8Array[];
  /** Import name → the item it defines. */
  readonly items: ReadonlyMap<string, ItemRef>;
  /** How many items of each sort the leading sections define. */
  readonly counts: ReadonlyMap<Sort, number>;
}

/** `(type (resource (rep i32)))`: a resource of the component's own, in place of an import's that is gone. */
export const FRESH_RESOURCE = Uint8Array.of(0x3f, 0x7f, 0x00);
// `(type bool)`: stands for a value type that only dropped imports use.
const PLACEHOLDER_VALUE = Uint8Array.of(0x7f);

const LEADING = new Set<number>([SECTION.custom, SECTION.coreType, SECTION.alias, SECTION.type, SECTION.import]);

/** The app's leading sections with the imports named in `drop` removed, and those in `widen` widened. */
export function outerImportsFromApp(
  app: Uint8Array,
  info: ComponentInfo,
  drop: ReadonlySet<string>,
  widen: ReadonlyMap<string, Widening> = new Map(),
): OuterImports {
  const widenType = new Map<number, { widening: Widening; functions: readonly string[] }>();
  for (const entry of info.imports) {
    const widening = widen.get(entry.name);
    if (widening) widenType.set(entry.typeIndex, { widening, functions: entry.functions });
  }
  const sections: Uint8Array[] = [];
  const items = new Map<string, ItemRef>();
  const counts = new Map<Sort, number>();
  const next = (sort: Sort): number => {
    const index = counts.get(sort) ?? 0;
    counts.set(sort, index + 1);
    return index;
  };
  // Old instance index → new one, or undefined where the import was dropped.
  const instanceMap: Array<number | undefined> = [];
  const instanceImports: Array<ImportEntry | undefined> = [];
  let importAt = 0;

  for (const section of info.sections) {
    if (!LEADING.has(section.id)) break;
    const contents = app.subarray(section.contentStart, section.end);
    if (section.id === SECTION.custom) continue;
    if (section.id === SECTION.coreType) {
      sections.push(new ByteWriter().section(section.id, contents).finish());
      continue;
    }
    if (section.id === SECTION.type) {
      const entries = readTypeSection(app, section).map((entry) => {
        const index = next('type');
        const target = widenType.get(index);
        if (!target || !entry.instance) return app.subarray(entry.start, entry.end);
        const added = target.widening({ ...entry.instance, functions: target.functions });
        const widened = new ByteWriter().u8(0x42).u32(entry.instance.declCount + added.length);
        widened.raw(app.subarray(entry.instance.declsStart, entry.end));
        for (const decl of added) widened.raw(decl);
        return widened.finish();
      });
      sections.push(new ByteWriter().section(SECTION.type, new ByteWriter().vec(entries, (w, e) => w.raw(e)).finish()).finish());
      continue;
    }
    const r = new ByteReader(app, section.contentStart, section.end);
    const out = new ByteWriter();
    if (section.id === SECTION.import) {
      const count = r.u32();
      const kept: Uint8Array[] = [];
      for (let i = 0; i < count; i++, importAt++) {
        const entry = info.imports[importAt];
        const dropped = drop.has(entry.name);
        if (entry.sort === 'instance') {
          instanceMap.push(dropped ? undefined : counts.get('instance') ?? 0);
          instanceImports.push(entry);
        }
        if (dropped) continue;
        kept.push(app.subarray(entry.start, entry.end));
        items.set(entry.name, { sort: entry.sort, index: next(entry.sort) });
      }
      if (kept.length === 0) continue;
      out.vec(kept, (w, bytes) => w.raw(bytes));
    } else {
      // An alias of a type from a dropped instance is defined again in its
      // place, when it is a plain value type (wall-clock's `datetime`, which
      // filesystem uses): same index, same structure.
      let run: Uint8Array[] = [];
      const flush = (): void => {
        if (run.length > 0) sections.push(new ByteWriter().section(SECTION.alias, new ByteWriter().vec(run, (w, b) => w.raw(b)).finish()).finish());
        run = [];
      };
      const count = r.u32();
      for (let i = 0; i < count; i++) {
        const start = r.offset;
        const sort = readAlias(r);
        const alias = app.subarray(start, r.offset);
        const index = sort === 'core' ? -1 : next(sort);
        const target = aliasTarget(alias);
        if (sort === 'instance') instanceMap.push(index);
        if (!target || instanceMap[target.instance] !== undefined) {
          run.push(target ? retargetAlias(alias, instanceMap[target.instance]!) : alias);
          continue;
        }
        const dropped = instanceImports[target.instance];
        if (!dropped) throw new Error('assertion failed: only imported instances are dropped');
        if (sort !== 'type') {
          throw new CompositionError(`cannot virtualize \`${dropped.name}\`: the app aliases its \`${target.name}\``, dropped.name);
        }
        // Other types are replaced by placeholders (a fresh resource, or `bool`) that only
        // other dropped imports' types may use (compose refuses the rest): nothing instantiates them.
        const exported = dropped.types.get(target.name);
        const definition = exported instanceof Uint8Array ? exported : exported === 'resource' ? FRESH_RESOURCE : PLACEHOLDER_VALUE;
        flush();
        sections.push(new ByteWriter().section(SECTION.type, new ByteWriter().u32(1).raw(definition).finish()).finish());
      }
      flush();
      continue;
    }
    sections.push(new ByteWriter().section(section.id, out.finish()).finish());
  }
  return { sections, items, counts };
}

// An `alias export i "name"` refers to instance i; other aliases have no instance target.
function aliasTarget(alias: Uint8Array): { instance: number; name: string } | undefined {
  const r = new ByteReader(alias);
  readSort(r);
  if (r.u8() !== 0x00) return undefined;
  return { instance: r.u32(), name: r.name() };
}

function retargetAlias(alias: Uint8Array, instance: number): Uint8Array {
  const r = new ByteReader(alias);
  readSort(r);
  const sortBytes = alias.subarray(0, r.offset);
  r.u8();
  r.u32();
  return new ByteWriter().raw(sortBytes).u8(0x00).u32(instance).name(r.name()).finish();
}

/** The sort byte(s) of a sortidx. */
export function sortBytes(sort: Sort): Uint8Array {
  if (sort === 'core') throw new Error('assertion failed: virt never wires core items between components');
  return Uint8Array.of(SORT.byte[sort]);
}
