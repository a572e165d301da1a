// Declarations to append to an imported instance type (a Widening's output):
// new types numbered after the instance's own, and exported functions.
import { ByteWriter } from '../binary/byte-writer.js';

/** A value type: a type index, or a primitive (its one-byte code). */
export type ValType = number | { readonly primitive: number };

/** Primitive value types of the component model's binary format, by WIT name. */
export const PRIMITIVE = {
  bool: { primitive: 0x7f }, u8: { primitive: 0x7d }, u32: { primitive: 0x79 }, u64: { primitive: 0x77 }, string: { primitive: 0x73 },
} as const;

/** Writes a value type: a primitive's code, or a type index (s33). */
export function valType(writer: ByteWriter, type: ValType): ByteWriter {
  return typeof type === 'number' ? writer.s33(type) : writer.u8(type.primitive);
}

/** Collects `instancedecl`s for an instance type that already has `localCount` types. */
export class InstanceDecls {
  readonly decls: Uint8Array[] = [];
  private next: number;

  constructor(localCount: number) {
    this.next = localCount;
  }

  /** Declares a type (its `deftype` bytes) and returns its index. */
  type(def: ByteWriter): number {
    this.decls.push(new ByteWriter().u8(0x01).raw(def.finish()).finish());
    return this.next++;
  }

  /** Exports a type under a name (as WIT names a variant or record), and returns the exported index. */
  exportType(name: string, index: number): number {
    this.decls.push(new ByteWriter().u8(0x04).u8(0x00).name(name).u8(0x03).u8(0x00).u32(index).finish());
    return this.next++;
  }

  /** Declares `func(params) -> result` and exports it as `name`. */
  exportFunction(name: string, params: ReadonlyArray<readonly [string, ValType]>, result: ValType): void {
    const type = new ByteWriter().u8(0x40).u32(params.length);
    for (const [param, t] of params) valType(type.name(param), t);
    const func = this.type(valType(type.u8(0x00), result));
    this.decls.push(new ByteWriter().u8(0x04).u8(0x00).name(name).u8(0x01).u32(func).finish());
  }
}
