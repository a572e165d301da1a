// A composition graph in the manner of wac: components are nodes, instances
// take arguments, exports of instances are aliased and re-exported. Indices
// are handed out here and nowhere else.
import { ByteWriter } from '../binary/byte-writer.js';
import { COMPONENT_PREAMBLE, SECTION, type Sort } from '../binary/component-format.js';
import { sortBytes, type ItemRef, type OuterImports } from './outer-imports.js';

/** One `with` argument of an instantiation. */
export interface Argument {
  readonly name: string;
  readonly item: ItemRef;
}

/** Builds an outer component section by section. */
export class CompositionGraph {
  private readonly sections: Uint8Array[];
  private readonly counts: Map<Sort, number>;

  constructor(outer: OuterImports) {
    this.sections = [...outer.sections];
    this.counts = new Map(outer.counts);
  }

  private next(sort: Sort): number {
    const index = this.counts.get(sort) ?? 0;
    this.counts.set(sort, index + 1);
    return index;
  }

  private section(id: number, contents: Uint8Array): void {
    this.sections.push(new ByteWriter().section(id, contents).finish());
  }

  /** Embeds a component's bytes as a nested component. */
  addComponent(bytes: Uint8Array): ItemRef {
    this.section(SECTION.component, bytes);
    return { sort: 'component', index: this.next('component') };
  }

  /** Instantiates a nested component with the given arguments. */
  instantiate(component: ItemRef, args: readonly Argument[]): ItemRef {
    const w = new ByteWriter().u32(1).u8(0x00).u32(component.index);
    w.vec(args, (writer, arg) => writer.name(arg.name).raw(sortBytes(arg.item.sort)).u32(arg.item.index));
    this.section(SECTION.instance, w.finish());
    return { sort: 'instance', index: this.next('instance') };
  }

  /** Aliases an export of an instance into this component's index space. */
  aliasExport(instance: ItemRef, name: string, sort: Sort): ItemRef {
    const w = new ByteWriter().u32(1).raw(sortBytes(sort)).u8(0x00).u32(instance.index).name(name);
    this.section(SECTION.alias, w.finish());
    return { sort, index: this.next(sort) };
  }

  /** Exports an item under `name`. */
  export(name: string, item: ItemRef): void {
    const w = new ByteWriter().u32(1).u8(0x00).name(name).raw(sortBytes(item.sort)).u32(item.index).u8(0x00);
    this.section(SECTION.export, w.finish());
    this.next(item.sort);
  }

  /** The component's bytes. */
  encode(): Uint8Array {
    const w = new ByteWriter().raw(COMPONENT_PREAMBLE);
    for (const section of this.sections) w.raw(section);
    return w.finish();
  }
}
