// Serves app imports inside the app itself. A core module that lives in the
// app's memory takes the place of the app's lowered imports, so a call is a
// plain core call with no canonical-ABI crossing, and an import it answers
// whole leaves the app: no unit, no outer import, no type information. Only
// the app's top level is rewritten; every index after a change is remapped.
// Where the app's shape is one this does not handle, `serveInApp` says why,
// and the build serves those imports with units instead.
import { ByteReader } from '../binary/byte-reader.js';
import { ByteWriter } from '../binary/byte-writer.js';
import { SECTION } from '../binary/component-format.js';
import { readExternDesc, readExternName, readSections, skipDefType, type ComponentInfo } from '../binary/component-reader.js';
import { FRESH_RESOURCE } from './outer-imports.js';
import { readGlobalInits, readModuleInterface } from '../binary/module-reader.js';
import { IN_APP_MODULE, type InAppModule } from '../units/in-app-unit.js';

/** Why an app's shape keeps `serveInApp` from rewriting it. */
export class InAppUnsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InAppUnsupported';
  }
}

/** The rewritten app, and the imports that left it. */
export interface InAppResult {
  readonly component: Uint8Array;
  readonly removed: readonly string[];
}

// Index spaces of a component's top level.
type Space =
  | 'func' | 'value' | 'type' | 'component' | 'instance'
  | 'core func' | 'core table' | 'core memory' | 'core global' | 'core type' | 'core module' | 'core instance';

const CORE_SORTS = new Map<number, Space>([
  [0x00, 'core func'], [0x01, 'core table'], [0x02, 'core memory'], [0x03, 'core global'],
  [0x10, 'core type'], [0x11, 'core module'], [0x12, 'core instance'],
]);
const SORTS = new Map<number, Space>([[0x01, 'func'], [0x02, 'value'], [0x03, 'type'], [0x04, 'component'], [0x05, 'instance']]);

function coreSortByte(space: Space): number {
  for (const [byte, s] of CORE_SORTS) if (s === space) return byte;
  throw new Error(`assertion failed: ${space} is no core sort`);
}

function sortBytes(space: Space): number[] {
  for (const [byte, s] of SORTS) if (s === space) return [byte];
  return [0x00, coreSortByte(space)];
}

function readSortSpace(r: ByteReader): Space {
  const byte = r.u8();
  const space = byte === 0x00 ? CORE_SORTS.get(r.u8()) : SORTS.get(byte);
  if (!space) r.fail(`unknown sort 0x${byte.toString(16)}`);
  return space;
}

interface SortIdx { readonly space: Space; readonly index: number }

// Alias targets: an instance's export, a core instance's export, an item of an enclosing component.
const ALIAS_EXPORT = 0x00;
const ALIAS_CORE_EXPORT = 0x01;
const ALIAS_OUTER = 0x02;

function aliasEntry(space: Space, target: number, ...operands: Array<number | string>): Uint8Array {
  const w = new ByteWriter();
  for (const b of sortBytes(space)) w.u8(b);
  w.u8(target);
  for (const operand of operands) {
    if (typeof operand === 'string') w.name(operand);
    else w.u32(operand);
  }
  return w.finish();
}

// Where a module's instance goes: before a section's entry; the counts of memories, core funcs and core instances
// there; and the realloc it takes.
interface Place {
  readonly section: number;
  readonly entry: number;
  readonly memories: number;
  readonly funcs: number;
  readonly instances: number;
  readonly realloc: number | undefined;
}

interface CanonOptions {
  readonly bytes: Array<{ readonly op: number; readonly index?: number }>;
  readonly memory?: number;
  readonly realloc?: number;
  readonly utf8: boolean;
}

function readCanonOptions(r: ByteReader): CanonOptions {
  let memory: number | undefined;
  let realloc: number | undefined;
  let utf8 = true;
  const bytes = r.vec(() => {
    const op = r.u8();
    if (op <= 0x02 || op === 0x06 || op === 0x09) {
      if (op === 0x01 || op === 0x02) utf8 = false;
      if (op === 0x06 || op === 0x09) throw new InAppUnsupported('the app lowers a function with async or gc options');
      return { op };
    }
    if (op > 0x08) r.fail(`unknown canonical option 0x${op.toString(16)}`);
    const index = r.u32();
    if (op === 0x03) memory = index;
    if (op === 0x04) realloc = index;
    return { op, index };
  });
  return { bytes, memory, realloc, utf8 };
}

// One top-level entry, as far as indices go.
type Entry =
  | { readonly kind: 'raw'; readonly bytes: Uint8Array; readonly defines?: Space }
  | { readonly kind: 'import'; readonly name: string; readonly space: Space; readonly bytes: Uint8Array }
  | { readonly kind: 'alias export'; readonly space: Space; readonly instance: number; readonly name: string }
  | { readonly kind: 'alias core export'; readonly space: Space; readonly instance: number; readonly name: string }
  | { readonly kind: 'alias outer'; readonly space: Space; readonly count: number; readonly index: number }
  | { readonly kind: 'lift'; readonly core: number; readonly options: CanonOptions; readonly type: number }
  | { readonly kind: 'lower'; readonly func: number; readonly options: CanonOptions }
  | { readonly kind: 'resource'; readonly op: number; readonly type: number }
  | { readonly kind: 'resource type'; readonly rep: number; readonly dtor?: number }
  | { readonly kind: 'core instantiate'; readonly module: number; readonly args: ReadonlyArray<{ readonly name: string; readonly instance: number }> }
  | { readonly kind: 'core exports'; readonly exports: ReadonlyArray<{ readonly name: string; readonly item: SortIdx }> }
  | { readonly kind: 'instantiate'; readonly component: number; readonly args: ReadonlyArray<{ readonly name: string; readonly item: SortIdx }> }
  | { readonly kind: 'exports'; readonly exports: ReadonlyArray<{ readonly name: Uint8Array; readonly item: SortIdx }> }
  | { readonly kind: 'export'; readonly name: Uint8Array; readonly item: SortIdx; readonly desc: Uint8Array };

interface ParsedSection { readonly id: number; readonly entries: Entry[] }

// The space an entry defines an index in, if any.
function definedSpace(entry: Entry): Space | undefined {
  switch (entry.kind) {
    case 'raw': return entry.defines;
    case 'import': return entry.space;
    case 'alias export': case 'alias core export': case 'alias outer': return entry.space;
    case 'lift': return 'func';
    case 'lower': case 'resource': return 'core func';
    case 'resource type': return 'type';
    case 'core instantiate': case 'core exports': return 'core instance';
    case 'instantiate': case 'exports': return 'instance';
    case 'export': return entry.item.space;
  }
}

// The space an import or export's descriptor defines an item in.
function externSpace(r: ByteReader): Space {
  const { sort } = readExternDesc(r);
  if (sort === 'value') throw new InAppUnsupported('the app imports or exports a value');
  return sort === 'core' ? 'core module' : sort;
}

// Whether a nested component aliases a core module or component of an enclosing one, whose indices may move.
function aliasesOuterItems(bytes: Uint8Array, depth: number): boolean {
  for (const s of readSections(bytes)) {
    if (s.id === SECTION.component && aliasesOuterItems(bytes.subarray(s.contentStart, s.end), depth + 1)) return true;
    if (s.id !== SECTION.alias) continue;
    const r = new ByteReader(bytes, s.contentStart, s.end);
    const found = r.vec(() => {
      const space = readSortSpace(r);
      const target = r.u8();
      if (target === 0x02) {
        const [count] = [r.u32(), r.u32()];
        return count >= depth && space !== 'type' && space !== 'core type';
      }
      r.u32();
      r.name();
      return false;
    });
    if (found.some(Boolean)) return true;
  }
  return false;
}

function parse(app: Uint8Array, info: ComponentInfo): ParsedSection[] {
  let importAt = 0;
  return info.sections.map((section): ParsedSection => {
    const contents = app.subarray(section.contentStart, section.end);
    const r = new ByteReader(app, section.contentStart, section.end);
    const raw = (defines?: Space): ParsedSection => ({ id: section.id, entries: [{ kind: 'raw', bytes: contents, ...(defines ? { defines } : {}) }] });
    switch (section.id) {
      case SECTION.custom: return raw();
      case SECTION.coreType: throw new InAppUnsupported('the app defines core types at its top level');
      case SECTION.coreModule: return raw('core module');
      case SECTION.component:
        if (aliasesOuterItems(contents, 1)) throw new InAppUnsupported('a nested component of the app aliases its core modules or components');
        return raw('component');
      case SECTION.type: {
        const entries = r.vec((): Entry => {
          const start = r.offset;
          if (r.peek() === 0x3f) {
            r.u8();
            const rep = r.u8();
            const dtor = r.u8() === 0x01 ? r.u32() : undefined;
            return { kind: 'resource type', rep, ...(dtor !== undefined ? { dtor } : {}) };
          }
          skipDefType(r);
          return { kind: 'raw', bytes: app.subarray(start, r.offset), defines: 'type' };
        });
        return { id: section.id, entries };
      }
      case SECTION.import: {
        const entries = r.vec((): Entry => {
          const start = r.offset;
          readExternName(r);
          const space = externSpace(r);
          return { kind: 'import', name: info.imports[importAt++].name, space, bytes: app.subarray(start, r.offset) };
        });
        return { id: section.id, entries };
      }
      case SECTION.alias: {
        const entries = r.vec((): Entry => {
          const space = readSortSpace(r);
          const target = r.u8();
          if (target === 0x00) return { kind: 'alias export', space, instance: r.u32(), name: r.name() };
          if (target === 0x01) return { kind: 'alias core export', space, instance: r.u32(), name: r.name() };
          if (target === 0x02) return { kind: 'alias outer', space, count: r.u32(), index: r.u32() };
          return r.fail(`unknown alias target 0x${target.toString(16)}`);
        });
        return { id: section.id, entries };
      }
      case SECTION.canon: {
        const entries = r.vec((): Entry => {
          const op = r.u8();
          if (op === 0x00 || op === 0x01) {
            if (r.u8() !== 0x00) r.fail('unknown canonical function');
            if (op === 0x00) {
              const core = r.u32();
              const options = readCanonOptions(r);
              return { kind: 'lift', core, options, type: r.u32() };
            }
            const func = r.u32();
            return { kind: 'lower', func, options: readCanonOptions(r) };
          }
          if (op >= 0x02 && op <= 0x04) return { kind: 'resource', op, type: r.u32() };
          throw new InAppUnsupported(`the app uses the canonical built-in 0x${op.toString(16)}`);
        });
        return { id: section.id, entries };
      }
      case SECTION.coreInstance: {
        const entries = r.vec((): Entry => {
          if (r.u8() === 0x00) {
            const module = r.u32();
            const args = r.vec(() => {
              const name = r.name();
              if (r.u8() !== 0x12) r.fail('a core instantiation argument is not an instance');
              return { name, instance: r.u32() };
            });
            return { kind: 'core instantiate', module, args };
          }
          const exports = r.vec(() => {
            const name = r.name();
            const space = CORE_SORTS.get(r.u8()) ?? r.fail('unknown core sort');
            return { name, item: { space, index: r.u32() } };
          });
          return { kind: 'core exports', exports };
        });
        return { id: section.id, entries };
      }
      case SECTION.instance: {
        const entries = r.vec((): Entry => {
          if (r.u8() === 0x00) {
            const component = r.u32();
            const args = r.vec(() => ({ name: r.name(), item: { space: readSortSpace(r), index: r.u32() } }));
            return { kind: 'instantiate', component, args };
          }
          const exports = r.vec(() => {
            const start = r.offset;
            readExternName(r);
            const name = app.subarray(start, r.offset);
            return { name, item: { space: readSortSpace(r), index: r.u32() } };
          });
          return { kind: 'exports', exports };
        });
        return { id: section.id, entries };
      }
      case SECTION.export: {
        const entries = r.vec((): Entry => {
          const start = r.offset;
          readExternName(r);
          const name = app.subarray(start, r.offset);
          const item = { space: readSortSpace(r), index: r.u32() };
          const descStart = r.offset;
          if (r.u8() === 0x01) externSpace(r);
          return { kind: 'export', name, item, desc: app.subarray(descStart, r.offset) };
        });
        return { id: section.id, entries };
      }
      default:
        throw new InAppUnsupported(`the app has a section virt does not rewrite (id ${section.id})`);
    }
  });
}

// Old indices per space, as the sections define them.
class Counter {
  private readonly counts = new Map<Space, number>();
  next(space: Space): number {
    const index = this.counts.get(space) ?? 0;
    this.counts.set(space, index + 1);
    return index;
  }
  count(space: Space): number {
    return this.counts.get(space) ?? 0;
  }
}

/**
 * Rewrites `app` so that each of `modules` serves what it serves, placed where the app first lowers one of its
 * functions, and so that the imports in `served` that are answered whole (or used for their types alone) leave it;
 * throws InAppUnsupported where the shape does not allow it.
 */
export function serveInApp(app: Uint8Array, info: ComponentInfo, modules: readonly InAppModule[], served: ReadonlySet<string>): InAppResult {
  const sections = parse(app, info);
  const plans = modules.map((inApp) => {
    const imports = readModuleInterface(inApp.module).imports.filter((i) => i.module === IN_APP_MODULE);
    return {
      inApp,
      needsMemory: imports.some((i) => i.name === 'memory'),
      needsRealloc: imports.some((i) => i.name === 'realloc'),
      hostCalls: imports.filter((i) => i.kind === 'func' && i.name.includes('#')),
      // A module with globals keeps state (a clock, the random streams): it must be one instance.
      keepsState: (readGlobalInits(inApp.module) ?? [undefined]).length > 0,
      // Where the app first lowers one of its functions, and then first with each other realloc.
      places: [] as Place[],
    };
  });
  // The module that serves a function, if one does.
  const servedBy = (target: { import: string; func: string } | undefined) =>
    (target ? plans.find((p) => p.inApp.serves.get(target.import)?.has(target.func)) : undefined);
  const serves = (name: string): Set<string> | undefined =>
    (served.has(name) ? new Set(plans.flatMap((p) => [...(p.inApp.serves.get(name)?.keys() ?? [])])) : undefined);
  const hostCalls = plans.flatMap((p) => p.hostCalls);

  // First pass: what each old index is.
  const old = new Counter();
  const importOfInstance = new Map<number, string>();
  const funcOf = new Map<number, { import: string; func: string }>();
  const instanceUses = new Map<number, Set<Space>>();
  let memory: number | undefined;
  // The realloc each served lower names, by its position.
  const reallocAt = new Map<string, number | undefined>();
  // Core funcs and memories that are exports of core instances: one defined after the module's place can be taken
  // again there, from its instance, if that is there already (wit-component aliases an adapter's realloc late).
  const coreExports = new Map<string, { instance: number; name: string }>();
  sections.forEach((section, s) => section.entries.forEach((entry, e) => {
    if (entry.kind === 'alias export') {
      const name = importOfInstance.get(entry.instance);
      if (name !== undefined) {
        instanceUses.set(entry.instance, (instanceUses.get(entry.instance) ?? new Set()).add(entry.space));
        if (entry.space === 'func') funcOf.set(old.count('func'), { import: name, func: entry.name });
      }
    }
    if (entry.kind === 'lower') {
      const target = funcOf.get(entry.func);
      const by = servedBy(target);
      if (target && by) {
        if (!entry.options.utf8) throw new InAppUnsupported(`the app lowers \`${target.import}\` with a string encoding other than UTF-8`);
        // A module gets an instance per realloc its lowers name (componentize-js's use two); a lower that names
        // none takes the first.
        const realloc = entry.options.realloc;
        reallocAt.set(`${s} ${e}`, realloc);
        if (by.places.length === 0 || (realloc !== undefined && !by.places.some((pl) => pl.realloc === realloc))) {
          const place = { section: s, entry: e, memories: old.count('core memory'), funcs: old.count('core func'), instances: old.count('core instance'), realloc };
          if (by.places.length === 1 && by.places[0].realloc === undefined) by.places[0] = { ...by.places[0], realloc };
          else if (by.places.length > 0 && by.keepsState) {
            throw new InAppUnsupported('the app lowers its imports with more than one realloc, and what virt would serve there keeps state');
          } else by.places.push(place);
        }
        if (entry.options.memory !== undefined) {
          if (memory !== undefined && memory !== entry.options.memory) throw new InAppUnsupported('the app lowers its imports with more than one memory');
          memory = entry.options.memory;
        }
      }
    }
    if (entry.kind === 'instantiate' || entry.kind === 'exports' || entry.kind === 'export') {
      const items = entry.kind === 'export' ? [entry.item] : entry.kind === 'instantiate' ? entry.args.map((a) => a.item) : entry.exports.map((x) => x.item);
      for (const item of items) if (item.space === 'instance' && importOfInstance.has(item.index)) instanceUses.set(item.index, (instanceUses.get(item.index) ?? new Set()).add('instance'));
    }
    const space = definedSpace(entry);
    if (space === undefined) return;
    const index = old.next(space);
    if (entry.kind === 'alias core export') coreExports.set(`${space} ${index}`, { instance: entry.instance, name: entry.name });
    if (entry.kind === 'import' && space === 'instance') importOfInstance.set(index, entry.name);
  }));
  // How a module's place reaches the memory or realloc: by its index, or by taking it again from its instance.
  type Reach = { index: number } | { instance: number; name: string };
  const reach = (space: Space, index: number | undefined, countThere: number, instancesThere: number, what: string): Reach => {
    if (index === undefined) throw new InAppUnsupported(`the app's lowered imports name no ${what}, which virt's module needs`);
    if (index < countThere) return { index };
    const from = coreExports.get(`${space} ${index}`);
    if (from && from.instance < instancesThere) return from;
    throw new InAppUnsupported(`the app's ${what} is not there yet where it first calls what virt serves`);
  };
  // A module none of whose functions the app lowers has no place.
  const placed = plans.flatMap((p) => {
    const withHost = p.hostCalls.length > 0;
    return p.places.map((place) => ({
      ...p,
      place,
      memoryThere: p.needsMemory || withHost ? reach('core memory', memory, place.memories, place.instances, 'memory') : undefined,
      reallocThere: p.needsRealloc || withHost ? reach('core func', place.realloc, place.funcs, place.instances, 'realloc') : undefined,
      instance: undefined as number | undefined,
    }));
  });
  const moduleIndex = new Map<InAppModule, number>();
  // An import leaves the app when it is served whole and only its functions and types are aliased.
  const removed = new Set<number>();
  for (const [instance, name] of importOfInstance) {
    const served = serves(name);
    if (!served) continue;
    const uses = instanceUses.get(instance) ?? new Set();
    const aliased = [...funcOf.values()].filter((f) => f.import === name).map((f) => f.func);
    const called = hostCalls.some((call) => call.name.startsWith(`${name}#`));
    if (!called && [...uses].every((u) => u === 'func' || u === 'type') && aliased.every((f) => served.has(f))) removed.add(instance);
  }
  const typesOf = new Map(info.imports.map((i) => [i.name, i.types]));
  const removedNames = new Set([...removed].map((i) => importOfInstance.get(i)!));
  for (const entry of info.imports) {
    if (removedNames.has(entry.name)) continue;
    const used = entry.usesTypesOf.find((t) => removedNames.has(t.import) && typesOf.get(t.import)?.get(t.type) === 'resource');
    if (used) throw new InAppUnsupported(`\`${entry.name}\` stays with the host but uses \`${used.type}\` of \`${used.import}\``);
  }

  // Second pass: write, mapping old indices to new ones.
  const maps = new Map<Space, Array<number | undefined>>();
  const fresh = new Counter();
  const oldAgain = new Counter();
  const keep = (space: Space): number => {
    const index = fresh.next(space);
    const list = maps.get(space) ?? [];
    list[oldAgain.next(space)] = index;
    maps.set(space, list);
    return index;
  };
  const drop = (space: Space): void => {
    const list = maps.get(space) ?? [];
    list[oldAgain.next(space)] = undefined;
    maps.set(space, list);
  };
  const map = (space: Space, index: number): number => {
    const mapped = maps.get(space)?.[index];
    if (mapped === undefined) throw new InAppUnsupported(`the app refers to a ${space} that leaves it`);
    return mapped;
  };
  const writeSortIdx = (w: ByteWriter, item: SortIdx): void => {
    for (const b of sortBytes(item.space)) w.u8(b);
    w.u32(map(item.space, item.index));
  };
  const writeOptions = (w: ByteWriter, options: CanonOptions): void => {
    w.vec(options.bytes, (ow, o) => {
      ow.u8(o.op);
      if (o.index !== undefined) ow.u32(map(o.op === 0x03 ? 'core memory' : 'core func', o.index));
    });
  };

  const out = new ByteWriter().raw(app.subarray(0, 8));
  let pending: { id: number; entries: Uint8Array[] } | undefined;
  const flush = (): void => {
    if (pending && pending.entries.length) out.section(pending.id, new ByteWriter().vec(pending.entries, (w, b) => w.raw(b)).finish());
    pending = undefined;
  };
  const emit = (id: number, bytes: Uint8Array): void => {
    if (pending?.id !== id) flush();
    pending ??= { id, entries: [] };
    pending.entries.push(bytes);
  };
  const emitWhole = (id: number, contents: Uint8Array): void => {
    flush();
    out.section(id, contents);
  };
  let nameSection: { bytes: Uint8Array; start: number } | undefined; // written last, when every index is known

  const insertModule = (p: (typeof placed)[number]): void => {
    const { memoryThere, reallocThere, needsMemory, needsRealloc } = p;
    if (!moduleIndex.has(p.inApp)) {
      emitWhole(SECTION.coreModule, p.inApp.module);
      moduleIndex.set(p.inApp, fresh.next('core module'));
    }
    const there = (space: Space, at: { index: number } | { instance: number; name: string }): number => {
      if ('index' in at) return map(space, at.index);
      emit(SECTION.alias, aliasEntry(space, ALIAS_CORE_EXPORT, map('core instance', at.instance), at.name));
      return fresh.next(space);
    };
    const memoryIndex = memoryThere && there('core memory', memoryThere);
    const reallocIndex = reallocThere && there('core func', reallocThere);
    // Host functions the module calls, lowered as the app lowers its own imports.
    const lowered = p.hostCalls.map((call) => {
      const [name, func] = [call.name.slice(0, call.name.lastIndexOf('#')), call.name.slice(call.name.lastIndexOf('#') + 1)];
      const instance = [...importOfInstance].find(([, n]) => n === name)?.[0];
      if (instance === undefined) throw new InAppUnsupported(`the app does not import \`${name}\`, which virt calls`);
      if (memoryIndex === undefined || reallocIndex === undefined) throw new InAppUnsupported('virt\'s module calls the host without the app\'s memory and realloc');
      emit(SECTION.alias, aliasEntry('func', ALIAS_EXPORT, map('instance', instance), func));
      const w = new ByteWriter().u8(0x01).u8(0x00).u32(fresh.next('func'));
      w.vec([[0x03, memoryIndex], [0x04, reallocIndex], [0x00]], (ow, [op, index]) => (index === undefined ? ow.u8(op) : ow.u8(op).u32(index)));
      emit(SECTION.canon, w.finish());
      return { name: call.name, index: fresh.next('core func') };
    });
    const items = [
      ...(memoryIndex !== undefined && needsMemory ? [{ name: 'memory', sort: 0x02, index: memoryIndex }] : []),
      ...(reallocIndex !== undefined && needsRealloc ? [{ name: 'realloc', sort: 0x00, index: reallocIndex }] : []),
      ...lowered.map((l) => ({ name: l.name, sort: 0x00, index: l.index })),
    ];
    const bag = new ByteWriter().u8(0x01).vec(items, (w, item) => w.name(item.name).u8(item.sort).u32(item.index));
    emit(SECTION.coreInstance, bag.finish());
    const bagIndex = fresh.next('core instance');
    emit(SECTION.coreInstance, new ByteWriter().u8(0x00).u32(moduleIndex.get(p.inApp)!).vec([IN_APP_MODULE], (w, n) => w.name(n).u8(0x12).u32(bagIndex)).finish());
    p.instance = fresh.next('core instance');
  };

  sections.forEach((section, s) => section.entries.forEach((entry, e) => {
    for (const p of placed) if (s === p.place.section && e === p.place.entry) insertModule(p);
    const w = new ByteWriter();
    switch (entry.kind) {
      case 'raw':
        if (section.id === SECTION.custom) {
          const names = new ByteReader(entry.bytes);
          if (names.name() !== 'component-name') emitWhole(SECTION.custom, entry.bytes);
          else nameSection = { bytes: entry.bytes, start: names.offset };
          return;
        }
        if (entry.defines) keep(entry.defines);
        if (section.id === SECTION.type) emit(SECTION.type, entry.bytes);
        else emitWhole(section.id, entry.bytes);
        return;
      case 'resource type':
        keep('type');
        w.u8(0x3f).u8(entry.rep);
        if (entry.dtor === undefined) w.u8(0x00);
        else w.u8(0x01).u32(map('core func', entry.dtor));
        emit(SECTION.type, w.finish());
        return;
      case 'import': {
        if (entry.space === 'instance' && removedNames.has(entry.name)) {
          drop('instance');
          return;
        }
        keep(entry.space);
        emit(SECTION.import, entry.bytes);
        return;
      }
      case 'alias export': {
        if (removed.has(entry.instance)) {
          if (entry.space === 'func') {
            drop('func');
            return;
          }
          // A type of an import that leaves is defined again in its place: a resource of the app's own, or
          // the same plain value type.
          const name = importOfInstance.get(entry.instance)!;
          const exported = typesOf.get(name)?.get(entry.name);
          if (!(exported instanceof Uint8Array) && exported !== 'resource') {
            throw new InAppUnsupported(`\`${name}\` leaves the app, but its type \`${entry.name}\` cannot be defined in its place`);
          }
          keep('type');
          emit(SECTION.type, exported === 'resource' ? FRESH_RESOURCE : exported);
          return;
        }
        const instance = map('instance', entry.instance);
        keep(entry.space);
        emit(SECTION.alias, aliasEntry(entry.space, ALIAS_EXPORT, instance, entry.name));
        return;
      }
      case 'alias core export': {
        const instance = map('core instance', entry.instance);
        keep(entry.space);
        emit(SECTION.alias, aliasEntry(entry.space, ALIAS_CORE_EXPORT, instance, entry.name));
        return;
      }
      case 'alias outer': {
        const index = entry.count === 0 ? map(entry.space, entry.index) : entry.index;
        keep(entry.space);
        emit(SECTION.alias, aliasEntry(entry.space, ALIAS_OUTER, entry.count, index));
        return;
      }
      case 'lift':
        w.u8(0x00).u8(0x00).u32(map('core func', entry.core));
        writeOptions(w, entry.options);
        w.u32(map('type', entry.type));
        keep('func');
        emit(SECTION.canon, w.finish());
        return;
      case 'lower': {
        const target = funcOf.get(entry.func);
        const realloc = reallocAt.get(`${s} ${e}`);
        const mine = target ? placed.filter((p) => p.inApp.serves.get(target.import)?.has(target.func)) : [];
        const by = mine.find((p) => p.place.realloc === realloc) ?? mine[0];
        if (target && by) {
          keep('core func');
          emit(SECTION.alias, aliasEntry('core func', ALIAS_CORE_EXPORT, by.instance!, by.inApp.serves.get(target.import)!.get(target.func)!));
          return;
        }
        w.u8(0x01).u8(0x00).u32(map('func', entry.func));
        writeOptions(w, entry.options);
        keep('core func');
        emit(SECTION.canon, w.finish());
        return;
      }
      case 'resource':
        w.u8(entry.op).u32(map('type', entry.type));
        keep('core func');
        emit(SECTION.canon, w.finish());
        return;
      case 'core instantiate':
        w.u8(0x00).u32(map('core module', entry.module));
        w.vec(entry.args, (aw, a) => aw.name(a.name).u8(0x12).u32(map('core instance', a.instance)));
        keep('core instance');
        emit(SECTION.coreInstance, w.finish());
        return;
      case 'core exports':
        w.u8(0x01).vec(entry.exports, (xw, x) => xw.name(x.name).u8(coreSortByte(x.item.space)).u32(map(x.item.space, x.item.index)));
        keep('core instance');
        emit(SECTION.coreInstance, w.finish());
        return;
      case 'instantiate':
        w.u8(0x00).u32(map('component', entry.component));
        w.vec(entry.args, (aw, a) => {
          aw.name(a.name);
          writeSortIdx(aw, a.item);
        });
        keep('instance');
        emit(SECTION.instance, w.finish());
        return;
      case 'exports':
        w.u8(0x01).vec(entry.exports, (xw, x) => {
          xw.raw(x.name);
          writeSortIdx(xw, x.item);
        });
        keep('instance');
        emit(SECTION.instance, w.finish());
        return;
      case 'export':
        w.raw(entry.name);
        writeSortIdx(w, entry.item);
        w.raw(entry.desc);
        keep(entry.item.space);
        emit(SECTION.export, w.finish());
        return;
    }
  }));
  if (nameSection) emitWhole(SECTION.custom, remapNames(nameSection.bytes, nameSection.start, (space, index) => maps.get(space)?.[index]));
  flush();
  return { component: out.finish(), removed: [...removedNames] };
}

// The `component-name` section with each name at its item's new index, and none for the items that left.
function remapNames(bytes: Uint8Array, start: number, newIndex: (space: Space, index: number) => number | undefined): Uint8Array {
  const r = new ByteReader(bytes, start);
  const w = new ByteWriter().raw(bytes.subarray(0, start));
  while (!r.done) {
    const id = r.u8();
    const end = r.u32() + r.offset;
    if (id !== 0x01) {
      w.section(id, bytes.subarray(r.offset, end));
      r.offset = end;
      continue;
    }
    const sortStart = r.offset;
    const space = readSortSpace(r);
    const sort = bytes.subarray(sortStart, r.offset);
    const names = r.vec(() => ({ index: newIndex(space, r.u32()), name: r.name() })).filter((n) => n.index !== undefined);
    w.section(0x01, new ByteWriter().raw(sort).vec(names, (nw, n) => nw.u32(n.index!).name(n.name)));
  }
  return w.finish();
}
