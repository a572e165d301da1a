// Canonical ABI memory layouts (component-model CanonicalABI.md: size, alignment,
// field and payload offsets) of the types in the WIT model, so that generated
// bodies never hard-code an offset. Callers write types as WIT writes them
// (`result<u64, stream-error>`), in the scope of one interface.
import { func, typeDef, type Func, type Primitive, type Type, type TypeDef } from './model.js';
import { printType } from './model-printer.js';
import { interfaceId, parseInterfaceName } from './names.js';
import type { WasiWit } from './wasi-wit.js';

/** Where a type sits in memory. */
export interface Layout {
  readonly size: number;
  readonly align: number;
}

/** A variant-like type's layout: its discriminant size, and where every case's payload starts. */
export interface VariantLayout extends Layout {
  readonly payloadOffset: number;
}

const SIZES: Readonly<Record<Exclude<Primitive, 'string'>, number>> = {
  bool: 1, s8: 1, u8: 1, s16: 2, u16: 2, s32: 4, u32: 4, f32: 4, char: 4, s64: 8, u64: 8, f64: 8,
};

function alignTo(offset: number, align: number): number {
  return Math.ceil(offset / align) * align;
}

/** The layout of a record or tuple whose fields have these layouts; also each field's offset. */
export function recordLayout(fields: readonly Layout[]): Layout & { readonly offsets: readonly number[] } {
  let size = 0;
  let align = 1;
  const offsets: number[] = [];
  for (const field of fields) {
    size = alignTo(size, field.align);
    offsets.push(size);
    size += field.size;
    align = Math.max(align, field.align);
  }
  return { size: alignTo(size, align), align, offsets };
}

/** The layout of a variant whose cases have these payloads (undefined: no payload). */
export function variantLayout(cases: ReadonlyArray<Layout | undefined>): VariantLayout {
  const disc = cases.length <= 256 ? 1 : cases.length <= 65536 ? 2 : 4;
  const caseAlign = Math.max(1, ...cases.map((c) => c?.align ?? 1));
  const payloadOffset = alignTo(disc, caseAlign);
  const align = Math.max(disc, caseAlign);
  const size = alignTo(payloadOffset + Math.max(0, ...cases.map((c) => c?.size ?? 0)), align);
  return { size, align, payloadOffset };
}

/** A discriminant that must hold a case for the value behind it to exist. */
export interface CaseCondition {
  readonly offset: number;
  readonly size: number;
  readonly caseIndex: number;
}

/** A flat core parameter that holds a handle (owned or borrowed), when `when` (a discriminant parameter) holds. */
export interface ParamHandleSite {
  readonly index: number;
  readonly resource: string;
  readonly home: string;
  readonly own: boolean;
  readonly when?: { readonly index: number; readonly caseIndex: number };
}

/** Where a resource handle sits inside a value, and when it is there. */
export interface HandleSite {
  readonly offset: number;
  /** The resource's name and the interface that defines it. */
  readonly resource: string;
  readonly home: string;
  readonly when: readonly CaseCondition[];
  /**
   * Set when the handles sit in the elements of a list whose (ptr, len) is at
   * `offset`: the element size, and the handles' sites inside one element.
   */
  readonly list?: { readonly elementSize: number; readonly elements: readonly HandleSite[] };
}

/** Reads a type as WIT writes it: `result<tuple<a, b>, e>`, `list<u8>`, `_` for none. */
export function parseType(expr: string): Type | undefined {
  const tokens = expr.match(/%?[A-Za-z0-9-]+|[<>,_]/g) ?? [];
  let at = 0;
  const next = (): string => tokens[at++] ?? '';
  const expect = (token: string): void => {
    if (next() !== token) throw new Error(`assertion failed: \`${expr}\` is not a WIT type`);
  };
  const args = (): Array<Type | undefined> => {
    expect('<');
    const out = [one()];
    while (tokens[at] === ',') {
      at++;
      out.push(one());
    }
    expect('>');
    return out;
  };
  const one = (): Type | undefined => {
    const word = next().replace(/^%/, '');
    if (word === '_') return undefined;
    if (word in SIZES || word === 'string') return { kind: 'primitive', name: word as Primitive };
    const generic = tokens[at] === '<';
    switch (generic ? word : '') {
      case 'list':
      case 'option': return { kind: word as 'list' | 'option', of: args()[0]! };
      case 'tuple': return { kind: 'tuple', items: args().map((t) => t!) };
      case 'own':
      case 'borrow': {
        const [resource] = args();
        if (resource?.kind !== 'named') throw new Error(`assertion failed: \`${expr}\` is a handle to a resource`);
        return { kind: word as 'own' | 'borrow', resource: resource.name };
      }
      case 'result': {
        const [ok, err] = args();
        return { kind: 'result', ...(ok ? { ok } : {}), ...(err ? { err } : {}) };
      }
    }
    return word === 'result' ? { kind: 'result' } : { kind: 'named', name: word };
  };
  const type = one();
  if (at !== tokens.length) throw new Error(`assertion failed: \`${expr}\` is not one WIT type`);
  return type;
}

const NONE: Layout = { size: 0, align: 1 };

/** Computes layouts of types in the scope of one interface of the WIT model. */
export class AbiLayouts {
  constructor(private readonly wit: WasiWit) {}

  /** The layout of `expr` (`result<tuple<input-stream, output-stream>, error-code>`) in interface `id`. */
  layout(id: string, expr: string): Layout {
    const type = parseType(expr);
    return type ? this.layoutOf(id, type) : NONE;
  }

  /** The layout of `result<ok, err>` (or any variant written as an expression), with its payload offset. */
  variant(id: string, expr: string): VariantLayout {
    const layout = this.layout(id, expr);
    if (!('payloadOffset' in layout)) throw new Error(`assertion failed: \`${expr}\` is not a variant, option or result`);
    return layout as VariantLayout;
  }

  /** The offsets of a record's fields, by field name. */
  fieldOffsets(id: string, record: string): ReadonlyMap<string, number> {
    const { home, def } = this.resolve(id, record);
    if (def.kind !== 'record') throw new Error(`assertion failed: \`${record}\` is not a record`);
    const { offsets } = recordLayout(def.fields.map(([, t]) => this.layoutOf(home, t)));
    return new Map(def.fields.map(([name], i) => [name, offsets[i]]));
  }

  /**
   * Every resource handle inside a value of type `expr`, with its offset from
   * the value's start and the discriminants that must hold for it to exist.
   */
  handleSites(id: string, expr: string): HandleSite[] {
    const type = parseType(expr);
    return type ? this.sitesOf(id, type, 0, []) : [];
  }

  /** The result type of function `func` (`[method]r.f` for methods) of interface `id`, as WIT writes it (`_`: none). */
  resultType(id: string, func: string): string {
    const { result } = this.declaration(id, func);
    return result ? printType(result) : '_';
  }

  /** Whether `func` returns through a return area: its result flattens to more than one core value. */
  returnsInMemory(id: string, func: string): boolean {
    return this.flatCount(id, this.declaration(id, func).result) > 1;
  }

  /**
   * The flat core parameters of `func` that hold a handle (as the canonical
   * ABI flattens its parameters, `self` first for a method): a handle
   * parameter itself, or an owned one in an `option` or `result` case, with
   * the discriminant that must hold for it to be there. Own handles deeper in
   * a parameter are not supported.
   */
  paramHandleSites(id: string, func: string): ParamHandleSite[] {
    const sites: ParamHandleSite[] = [];
    let index = 0;
    for (const [, type] of this.declaration(id, func).params) {
      const direct = this.handleParam(id, type);
      if (direct) {
        sites.push({ index, ...direct });
      } else if (type.kind === 'option' || type.kind === 'result') {
        const cases = type.kind === 'result' ? [type.ok, type.err] : [undefined, type.of];
        cases.forEach((c, caseIndex) => {
          const handle = c === undefined ? undefined : this.handleParam(id, c);
          if (handle?.own) sites.push({ index: index + 1, ...handle, when: { index, caseIndex } });
          else if (c !== undefined && this.holdsOwn(id, c)) throw new Error(`assertion failed: an own handle nested in \`${printType(c)}\` of \`${func}\``);
        });
      } else if (this.holdsOwn(id, type)) {
        throw new Error(`assertion failed: an own handle nested in \`${printType(type)}\` of \`${func}\``);
      }
      index += this.flatCount(id, type);
    }
    return sites;
  }

  // The definition a name of interface `id` stands for, following `use`s to the interface that defines it.
  private resolve(id: string, name: string): { home: string; name: string; def: Exclude<TypeDef, { kind: 'use' }> } {
    const iface = this.wit.interfaces.get(id);
    const def = iface && typeDef(iface, name);
    if (!def) throw new Error(`assertion failed: no type \`${name}\` in \`${id}\``);
    if (def.kind !== 'use') return { home: id, name, def };
    return this.resolve(interfaceId(parseInterfaceName(def.from)!), def.name);
  }

  // A function's declaration (a method's first parameter is `self`).
  private declaration(id: string, name: string): Func {
    const iface = this.wit.interfaces.get(id);
    const declared = iface && func(iface, name);
    if (!declared) throw new Error(`assertion failed: \`${id}\` declares no \`${name}\``);
    return declared;
  }

  private layoutOf(id: string, type: Type): Layout {
    switch (type.kind) {
      case 'primitive': return type.name === 'string' ? { size: 8, align: 4 } : { size: SIZES[type.name], align: SIZES[type.name] };
      case 'list': return { size: 8, align: 4 };
      case 'own':
      case 'borrow': return { size: 4, align: 4 };
      case 'tuple': return recordLayout(type.items.map((t) => this.layoutOf(id, t)));
      case 'option': return variantLayout([undefined, this.layoutOf(id, type.of)]);
      case 'result': return variantLayout([type.ok, type.err].map((t) => (t ? this.layoutOf(id, t) : undefined)));
      case 'named': {
        const { home, def } = this.resolve(id, type.name);
        switch (def.kind) {
          case 'resource': return { size: 4, align: 4 };
          case 'alias': return this.layoutOf(home, def.of);
          case 'record': return recordLayout(def.fields.map(([, t]) => this.layoutOf(home, t)));
          case 'variant': return variantLayout(def.cases.map(([, t]) => (t ? this.layoutOf(home, t) : undefined)));
          case 'enum': return variantLayout(def.cases.map(() => undefined));
          case 'flags': {
            const count = def.flags.length;
            const bytes = count <= 8 ? 1 : count <= 16 ? 2 : 4 * Math.ceil(count / 32);
            return { size: count === 0 ? 0 : bytes, align: Math.min(4, Math.max(1, bytes)) };
          }
        }
      }
    }
  }

  private sitesOf(id: string, type: Type, base: number, when: readonly CaseCondition[]): HandleSite[] {
    switch (type.kind) {
      case 'primitive': return [];
      case 'own':
      case 'borrow': return this.sitesOf(id, { kind: 'named', name: type.resource }, base, when);
      case 'list': {
        const elements = this.sitesOf(id, type.of, 0, []);
        if (elements.length === 0) return [];
        const list = { elementSize: this.layoutOf(id, type.of).size, elements };
        return [{ offset: base, resource: elements[0].resource, home: elements[0].home, when, list }];
      }
      case 'tuple': return this.fieldSites(id, type.items, base, when);
      case 'option': return this.caseSites(id, [undefined, type.of], base, when);
      case 'result': return this.caseSites(id, [type.ok, type.err], base, when);
      case 'named': {
        const { home, name, def } = this.resolve(id, type.name);
        switch (def.kind) {
          case 'resource': return [{ offset: base, resource: name, home, when }];
          case 'alias': return this.sitesOf(home, def.of, base, when);
          case 'record': return this.fieldSites(home, def.fields.map(([, t]) => t), base, when);
          case 'variant': return this.caseSites(home, def.cases.map(([, t]) => t), base, when);
          default: return [];
        }
      }
    }
  }

  private fieldSites(id: string, fields: readonly Type[], base: number, when: readonly CaseCondition[]): HandleSite[] {
    const { offsets } = recordLayout(fields.map((f) => this.layoutOf(id, f)));
    return fields.flatMap((f, i) => this.sitesOf(id, f, base + offsets[i], when));
  }

  private caseSites(id: string, cases: ReadonlyArray<Type | undefined>, base: number, when: readonly CaseCondition[]): HandleSite[] {
    const layout = variantLayout(cases.map((c) => (c ? this.layoutOf(id, c) : undefined)));
    const discSize = cases.length <= 256 ? 1 : cases.length <= 65536 ? 2 : 4;
    return cases.flatMap((c, caseIndex) =>
      c ? this.sitesOf(id, c, base + layout.payloadOffset, [...when, { offset: base, size: discSize, caseIndex }]) : []);
  }

  // The resource of a handle type (`r`, `own<r>`, `borrow<r>`, or an alias of them), and whether it is owned.
  private handleParam(id: string, type: Type): { resource: string; home: string; own: boolean } | undefined {
    if (type.kind === 'own' || type.kind === 'borrow') {
      const target = this.handleParam(id, { kind: 'named', name: type.resource });
      return target && { ...target, own: type.kind === 'own' };
    }
    if (type.kind !== 'named') return undefined;
    const { home, name, def } = this.resolve(id, type.name);
    if (def.kind === 'resource') return { resource: name, home, own: true };
    return def.kind === 'alias' ? this.handleParam(home, def.of) : undefined;
  }

  // Whether a value of `type` holds an own handle anywhere.
  private holdsOwn(id: string, type: Type): boolean {
    switch (type.kind) {
      case 'primitive':
      case 'borrow': return false;
      case 'own': return true;
      case 'list':
      case 'option': return this.holdsOwn(id, type.of);
      case 'result': return [type.ok, type.err].some((t) => t !== undefined && this.holdsOwn(id, t));
      case 'tuple': return type.items.some((t) => this.holdsOwn(id, t));
      case 'named': {
        const { home, def } = this.resolve(id, type.name);
        if (def.kind === 'resource') return true;
        if (def.kind === 'alias') return this.holdsOwn(home, def.of);
        if (def.kind === 'record') return def.fields.some(([, t]) => this.holdsOwn(home, t));
        if (def.kind === 'variant') return def.cases.some(([, t]) => t !== undefined && this.holdsOwn(home, t));
        return false;
      }
    }
  }

  // How many core values the canonical ABI flattens `type` into.
  private flatCount(id: string, type: Type | undefined): number {
    if (!type) return 0;
    switch (type.kind) {
      case 'primitive': return type.name === 'string' ? 2 : 1;
      case 'list': return 2;
      case 'own':
      case 'borrow': return 1;
      case 'tuple': return type.items.reduce((n, t) => n + this.flatCount(id, t), 0);
      case 'option': return 1 + this.flatCount(id, type.of);
      case 'result': return 1 + Math.max(this.flatCount(id, type.ok), this.flatCount(id, type.err));
      case 'named': {
        const { home, def } = this.resolve(id, type.name);
        switch (def.kind) {
          case 'resource':
          case 'enum': return 1;
          case 'alias': return this.flatCount(home, def.of);
          case 'record': return def.fields.reduce((n, [, t]) => n + this.flatCount(home, t), 0);
          case 'variant': return 1 + Math.max(0, ...def.cases.map(([, t]) => this.flatCount(home, t)));
          case 'flags': return Math.max(1, Math.ceil(def.flags.length / 32));
        }
      }
    }
  }
}
