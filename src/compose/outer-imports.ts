// The outer component's imports are the app's own import declarations, less
// the ones a unit now provides. Copying the app's leading type/import/alias
// sections keeps every type exactly as the app declared it, whatever its WASI
// version, and custom interfaces pass through unchanged.
import { ByteReader } from '../binary/byte-reader.js';
import { ByteWriter } from '../binary/byte-writer.js';
import { SECTION, SORT, type Sort } from '../binary/component-format.js';
import { readAlias, readSort, type ComponentInfo } from '../binary/component-reader.js';
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

const LEADING = new Set<number>([SECTION.custom, SECTION.coreType, SECTION.alias, SECTION.type, SECTION.import]);

/** The app's leading sections with the imports named in `drop` removed. */
export function outerImportsFromApp(app: Uint8Array, info: ComponentInfo, drop: ReadonlySet<string>): OuterImports {
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
  const droppedNames: string[] = [];
  let importAt = 0;

  for (const section of info.sections) {
    if (!LEADING.has(section.id)) break;
    const contents = app.subarray(section.contentStart, section.end);
    if (section.id === SECTION.custom) continue;
    if (section.id === SECTION.type || section.id === SECTION.coreType) {
      sections.push(new ByteWriter().section(section.id, contents).finish());
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
        if (entry.sort === 'instance') instanceMap.push(dropped ? undefined : counts.get('instance') ?? 0);
        if (dropped) {
          droppedNames.push(entry.name);
          continue;
        }
        kept.push(app.subarray(entry.start, entry.end));
        items.set(entry.name, { sort: entry.sort, index: next(entry.sort) });
      }
      if (kept.length === 0) continue;
      out.vec(kept, (w, bytes) => w.raw(bytes));
    } else {
      const aliases = r.vec(() => {
        const start = r.offset;
        const sort = readAlias(r);
        return { sort, bytes: app.subarray(start, r.offset) };
      });
      out.vec(aliases, (w, alias) => w.raw(remapAliasInstance(alias.bytes, instanceMap, droppedNames)));
      for (const alias of aliases) if (alias.sort !== 'core') next(alias.sort);
    }
    sections.push(new ByteWriter().section(section.id, out.finish()).finish());
  }
  return { sections, items, counts };
}

// An `alias export i "name"` refers to instance i; rewrite i after dropped imports.
function remapAliasInstance(bytes: Uint8Array, instanceMap: Array<number | undefined>, dropped: string[]): Uint8Array {
  const r = new ByteReader(bytes);
  const sortStart = r.offset;
  readSort(r);
  const sortBytes = bytes.subarray(sortStart, r.offset);
  const target = r.u8();
  if (target !== 0x00) return bytes;
  const old = r.u32();
  const name = r.name();
  const index = instanceMap[old];
  if (index === undefined) {
    throw new CompositionError(
      `cannot virtualize an interface whose types other imports use (\`${name}\` of ${dropped.join(', ')})`,
      name,
    );
  }
  return new ByteWriter().raw(sortBytes).u8(0x00).u32(index).name(name).finish();
}

/** The sort byte(s) of a sortidx. */
export function sortBytes(sort: Sort): Uint8Array {
  if (sort === 'core') throw new Error('assertion failed: virt never wires core items between components');
  return Uint8Array.of(SORT.byte[sort]);
}
