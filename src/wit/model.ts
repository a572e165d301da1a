// A typed model of WIT interfaces: their types, resources, functions and
// `use`s (with renames), as a real parser sees them. It is decoded from the
// instance types of a component binary (./model-reader.ts), never from WIT
// text, and printed back as WIT (./model-printer.ts) for the worlds of units.

/** A primitive value type, by its WIT name. */
export type Primitive = 'bool' | 's8' | 'u8' | 's16' | 'u16' | 's32' | 'u32' | 's64' | 'u64' | 'f32' | 'f64' | 'char' | 'string';

/** A value type, as a function signature or a type definition writes it. */
export type Type =
  | { readonly kind: 'primitive'; readonly name: Primitive }
  /** A type the interface defines or uses, by the name it has in the interface. */
  | { readonly kind: 'named'; readonly name: string }
  | { readonly kind: 'list' | 'option'; readonly of: Type }
  | { readonly kind: 'result'; readonly ok?: Type; readonly err?: Type }
  | { readonly kind: 'tuple'; readonly items: readonly Type[] }
  /** A handle to a resource the interface defines or uses, by its name there. */
  | { readonly kind: 'own' | 'borrow'; readonly resource: string };

/** What a name of an interface's types stands for. */
export type TypeDef =
  | { readonly kind: 'record'; readonly fields: ReadonlyArray<readonly [string, Type]> }
  | { readonly kind: 'variant'; readonly cases: ReadonlyArray<readonly [string, Type | undefined]> }
  | { readonly kind: 'enum'; readonly cases: readonly string[] }
  | { readonly kind: 'flags'; readonly flags: readonly string[] }
  | { readonly kind: 'resource' }
  /** `type name = T` */
  | { readonly kind: 'alias'; readonly of: Type }
  /** `use from.{name as <this name>}`: `from` is the home interface's full name. */
  | { readonly kind: 'use'; readonly from: string; readonly name: string };

/** A function: its parameters, and its result if it has one. */
export interface Func {
  readonly params: ReadonlyArray<readonly [string, Type]>;
  readonly result?: Type;
}

/** One interface: its full name (`wasi:io/streams@0.2.12`), its types and functions in order. */
export interface Interface {
  readonly name: string;
  readonly types: ReadonlyArray<readonly [string, TypeDef]>;
  readonly functions: ReadonlyArray<readonly [string, Func]>;
}

/** The interfaces of a model, by full name. */
export type Model = ReadonlyMap<string, Interface>;

/** The definition of `name` in `iface`. */
export function typeDef(iface: Interface, name: string): TypeDef | undefined {
  return iface.types.find(([n]) => n === name)?.[1];
}

/** The function `name` (canonical: `[method]r.f`) of `iface`. */
export function func(iface: Interface, name: string): Func | undefined {
  return iface.functions.find(([n]) => n === name)?.[1];
}

/** Every type name that a type mentions, directly. */
export function namesIn(type: Type | undefined): string[] {
  if (!type) return [];
  switch (type.kind) {
    case 'primitive': return [];
    case 'named': return [type.name];
    case 'own':
    case 'borrow': return [type.resource];
    case 'list':
    case 'option': return namesIn(type.of);
    case 'result': return [...namesIn(type.ok), ...namesIn(type.err)];
    case 'tuple': return type.items.flatMap(namesIn);
  }
}

/** Every type name that a definition mentions, directly. */
export function namesInDef(def: TypeDef): string[] {
  switch (def.kind) {
    case 'record': return def.fields.flatMap(([, t]) => namesIn(t));
    case 'variant': return def.cases.flatMap(([, t]) => namesIn(t));
    case 'alias': return namesIn(def.of);
    default: return [];
  }
}

/** Every type name that a function mentions, directly. */
export function namesInFunc(f: Func): string[] {
  return [...f.params.flatMap(([, t]) => namesIn(t)), ...namesIn(f.result)];
}

/**
 * The interface with only the functions `keep` accepts, and of its types those
 * it defines that `declared` names, and those the kept functions and types
 * need, however indirectly; all types when `declared` is undefined. A `use` is
 * kept only where something kept needs it: a host copy must ask for no type
 * of another interface that the app's import lacks.
 */
export function narrowed(iface: Interface, keep: (fn: string) => boolean, declared?: ReadonlySet<string>): Interface {
  const functions = iface.functions.filter(([name]) => keep(name));
  if (!declared) return { ...iface, functions };
  const needed = new Set<string>();
  const defined = [...declared].filter((name) => typeDef(iface, name)?.kind !== 'use');
  const pending = [...defined, ...functions.flatMap(([, f]) => namesInFunc(f))];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (needed.has(name)) continue;
    needed.add(name);
    const def = typeDef(iface, name);
    if (def) pending.push(...namesInDef(def));
  }
  // A resource's methods name it only through `self`; a kept method keeps its resource.
  for (const [name] of functions) {
    const resource = /^\[(?:method|static|constructor)\]([^.]+)/.exec(name)?.[1];
    if (resource) needed.add(resource);
  }
  return { ...iface, functions, types: iface.types.filter(([name]) => needed.has(name)) };
}
