// Decodes the instance types that a component imports into the WIT model: the
// component binary (component-model Binary.md) is what a real parser makes of
// WIT, and what an app declares about its own imports.
import { ByteReader } from '../binary/byte-reader.js';
import { SECTION } from '../binary/component-format.js';
import { readComponent, readExternName, readSort, skipDefType } from '../binary/component-reader.js';
import type { Func, Interface, Primitive, Type, TypeDef } from './model.js';

const PRIMITIVES: ReadonlyMap<number, Primitive> = new Map([
  [0x7f, 'bool'], [0x7e, 's8'], [0x7d, 'u8'], [0x7c, 's16'], [0x7b, 'u16'], [0x7a, 's32'], [0x79, 'u32'],
  [0x78, 's64'], [0x77, 'u64'], [0x76, 'f32'], [0x75, 'f64'], [0x74, 'char'], [0x73, 'string'],
]);

// What an index of a type space stands for.
type Entry =
  | { readonly kind: 'named'; readonly name: string }
  | { readonly kind: 'outer'; readonly from: string; readonly name: string }
  | { readonly kind: 'def'; readonly def: Anonymous }
  | { readonly kind: 'func'; readonly func: Func }
  | { readonly kind: 'instance'; readonly iface: Omit<Interface, 'name'> }
  | { readonly kind: 'other' };

// A type definition before it has a name: a record, variant, ... gets one when exported.
type Anonymous = Exclude<TypeDef, { kind: 'use' | 'alias' | 'resource' }> | { readonly kind: 'type'; readonly type: Type };

/** The interfaces a component imports as instances, decoded from their instance types. */
export function readImportedInterfaces(bytes: Uint8Array): Interface[] {
  const info = readComponent(bytes);
  const types: Entry[] = [];
  const instances: Array<string | undefined> = [];
  const out: Interface[] = [];
  for (const section of info.sections) {
    const r = new ByteReader(bytes, section.contentStart, section.end);
    if (section.id === SECTION.type) {
      // Only instance types are modelled; the rest (an export's function type, say) is skipped.
      r.vec(() => {
        if (r.peek() !== 0x42) {
          skipDefType(r);
          types.push({ kind: 'other' });
          return;
        }
        r.u8();
        types.push({ kind: 'instance', iface: readInstanceType(r, types) });
      });
    } else if (section.id === SECTION.alias) {
      r.vec(() => {
        const sort = readSort(r);
        const target = r.u8();
        if (target !== 0x00) {
          r.u32();
          if (target === 0x02) r.u32();
          else r.name();
          if (sort === 'type') types.push({ kind: 'other' });
          return;
        }
        const instance = instances[r.u32()];
        const name = r.name();
        if (sort === 'type') types.push(instance === undefined ? { kind: 'other' } : { kind: 'outer', from: instance, name });
        if (sort === 'instance') instances.push(undefined);
      });
    } else if (section.id === SECTION.instance) {
      for (let count = r.u32(); count > 0; count--) instances.push(undefined);
    } else if (section.id === SECTION.import) {
      r.vec(() => {
        const name = readExternName(r);
        const kind = r.u8();
        if (kind === 0x05) {
          const type = types[r.u32()];
          instances.push(name);
          if (type?.kind === 'instance') out.push({ name, ...type.iface });
          return;
        }
        if (kind === 0x00) r.u8();
        if (kind === 0x03) {
          if (r.u8() === 0x00) r.u32();
          types.push({ kind: 'other' });
          return;
        }
        if (kind === 0x02) {
          if (r.u8() === 0x00) r.u32();
          else readValType(r, []);
          return;
        }
        r.u32();
      });
    }
  }
  return out;
}

function readDeclaredType(r: ByteReader, local: readonly Entry[]): Entry {
  const kind = r.peek();
  if (kind === 0x40) {
    r.u8();
    return { kind: 'func', func: readFuncType(r, local) };
  }
  if (kind === 0x41 || kind === 0x42 || kind === 0x3f) r.fail(`unsupported type constructor 0x${kind.toString(16)} in an imported instance type`);
  return { kind: 'def', def: readDefValType(r, local) };
}

function readInstanceType(r: ByteReader, outer: readonly Entry[]): Omit<Interface, 'name'> {
  const local: Entry[] = [];
  const types: Array<[string, TypeDef]> = [];
  const functions: Array<[string, Func]> = [];
  r.vec(() => {
    const kind = r.u8();
    if (kind === 0x00) {
      // A core type: skipped (func types only, as in component-reader).
      r.u8();
      r.vec(() => r.u8());
      r.vec(() => r.u8());
    } else if (kind === 0x01) {
      local.push(readDeclaredType(r, local));
    } else if (kind === 0x02) {
      const sort = readSort(r);
      const target = r.u8();
      if (target !== 0x02) r.fail('an instance type aliases only outer types');
      const count = r.u32();
      const index = r.u32();
      if (sort === 'type') local.push(count === 1 ? outer[index] ?? { kind: 'other' } : { kind: 'other' });
    } else if (kind === 0x04) {
      const name = readExternName(r);
      const desc = r.u8();
      if (desc === 0x03) {
        const bound = r.u8();
        if (bound === 0x01) types.push([name, { kind: 'resource' }]);
        else types.push([name, definition(local[r.u32()])]);
        local.push({ kind: 'named', name });
      } else if (desc === 0x01) {
        const entry = local[r.u32()];
        if (entry?.kind !== 'func') r.fail(`\`${name}\` is not declared as a function`);
        functions.push([name, entry.func]);
      } else {
        r.fail(`unsupported export kind 0x${desc.toString(16)} of \`${name}\` in an instance type`);
      }
    } else {
      r.fail(`unknown instance declaration 0x${kind.toString(16)}`);
    }
  });
  return { types, functions };
}

// What an exported type name stands for.
function definition(entry: Entry | undefined): TypeDef {
  if (!entry) throw new Error('assertion failed: a type export names a type the instance type declares');
  switch (entry.kind) {
    case 'outer': return { kind: 'use', from: entry.from, name: entry.name };
    case 'named': return { kind: 'alias', of: { kind: 'named', name: entry.name } };
    case 'def': return entry.def.kind === 'type' ? { kind: 'alias', of: entry.def.type } : entry.def;
    default: throw new Error(`assertion failed: a type export of a ${entry.kind}`);
  }
}

function readFuncType(r: ByteReader, local: readonly Entry[]): Func {
  const params = r.vec((): [string, Type] => [r.name(), readValType(r, local)]);
  const results = r.u8();
  if (results === 0x00) return { params, result: readValType(r, local) };
  const named = r.vec(() => (r.name(), readValType(r, local)));
  if (named.length > 0) r.fail('named results are not supported');
  return { params };
}

function readValType(r: ByteReader, local: readonly Entry[]): Type {
  const byte = r.peek();
  const primitive = PRIMITIVES.get(byte);
  if (primitive) {
    r.u8();
    return { kind: 'primitive', name: primitive };
  }
  return typeAt(r, local, r.u32());
}

function typeAt(r: ByteReader, local: readonly Entry[], index: number): Type {
  const entry = local[index];
  if (entry?.kind === 'named') return { kind: 'named', name: entry.name };
  if (entry?.kind === 'outer') return { kind: 'named', name: entry.name };
  if (entry?.kind === 'def' && entry.def.kind === 'type') return entry.def.type;
  return r.fail(`type ${index} is not a value type this model can name`);
}

function resourceAt(r: ByteReader, local: readonly Entry[]): string {
  const type = typeAt(r, local, r.u32());
  if (type.kind !== 'named') r.fail('a handle to something other than a resource');
  return type.name;
}

function readDefValType(r: ByteReader, local: readonly Entry[]): Anonymous {
  const at = r.offset;
  const kind = r.u8();
  const primitive = PRIMITIVES.get(kind);
  if (primitive) return { kind: 'type', type: { kind: 'primitive', name: primitive } };
  const optional = (): Type | undefined => (r.u8() === 0x01 ? readValType(r, local) : undefined);
  switch (kind) {
    case 0x72: return { kind: 'record', fields: r.vec((): [string, Type] => [r.name(), readValType(r, local)]) };
    case 0x71: return {
      kind: 'variant',
      cases: r.vec((): [string, Type | undefined] => {
        const name = r.name();
        const payload = optional();
        if (r.u8() !== 0x00) r.fail('variant cases that refine others are not supported');
        return [name, payload];
      }),
    };
    case 0x70: return { kind: 'type', type: { kind: 'list', of: readValType(r, local) } };
    case 0x6f: return { kind: 'type', type: { kind: 'tuple', items: r.vec(() => readValType(r, local)) } };
    case 0x6e: return { kind: 'flags', flags: r.vec(() => r.name()) };
    case 0x6d: return { kind: 'enum', cases: r.vec(() => r.name()) };
    case 0x6b: return { kind: 'type', type: { kind: 'option', of: readValType(r, local) } };
    case 0x6a: {
      const ok = optional();
      const err = optional();
      return { kind: 'type', type: { kind: 'result', ...(ok ? { ok } : {}), ...(err ? { err } : {}) } };
    }
    case 0x69: return { kind: 'type', type: { kind: 'own', resource: resourceAt(r, local) } };
    case 0x68: return { kind: 'type', type: { kind: 'borrow', resource: resourceAt(r, local) } };
    default: {
      r.offset = at;
      return r.fail(`unsupported type constructor 0x${kind.toString(16)} (WASI 0.3 streams and futures are not modelled)`);
    }
  }
}
