// Canonical ABI memory layouts (component-model CanonicalABI.md: size, alignment,
// field and payload offsets) of the types in the shipped WASI WIT, computed from
// the WIT text, so that generated bodies never hard-code an offset.
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

const PRIMITIVES: Readonly<Record<string, number>> = {
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

/** Splits `a, b<c, d>, e` at its top-level commas. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '<' || text[i] === '(' || text[i] === '{') depth++;
    else if (text[i] === '>' || text[i] === ')' || text[i] === '}') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter(Boolean);
}

/** Computes layouts of type expressions as they are written in one interface of the shipped WIT. */
export class AbiLayouts {
  constructor(private readonly wit: WasiWit) {}

  /** The layout of `expr` (`result<tuple<input-stream, output-stream>, error-code>`) in interface `id`. */
  layout(id: string, expr: string): Layout {
    const text = expr.trim();
    if (text === '_') return { size: 0, align: 1 };
    if (text in PRIMITIVES) return { size: PRIMITIVES[text], align: PRIMITIVES[text] };
    if (text === 'string') return { size: 8, align: 4 };
    const generic = /^([a-z]+)<([\s\S]*)>$/.exec(text);
    if (generic) {
      const args = splitTop(generic[2]);
      switch (generic[1]) {
        case 'list': return { size: 8, align: 4 };
        case 'own':
        case 'borrow': return { size: 4, align: 4 };
        case 'tuple': return recordLayout(args.map((a) => this.layout(id, a)));
        case 'option': return variantLayout([undefined, this.layout(id, args[0])]);
        case 'result': return variantLayout(args.map((a) => this.layout(id, a)));
      }
    }
    if (text === 'result') return variantLayout([undefined, undefined]);
    return this.named(id, text);
  }

  /** The layout of `result<ok, err>` (or any variant written as an expression), with its payload offset. */
  variant(id: string, expr: string): VariantLayout {
    const generic = /^(option|result)<([\s\S]*)>$/.exec(expr.trim());
    if (!generic) {
      const named = this.named(id, expr.trim());
      if (!('payloadOffset' in named)) throw new Error(`assertion failed: \`${expr}\` is not a variant, option or result`);
      return named as VariantLayout;
    }
    const args = splitTop(generic[2]).map((a) => this.layout(id, a));
    return variantLayout(generic[1] === 'option' ? [undefined, args[0]] : args);
  }

  /** The offsets of a record's fields, by field name. */
  fieldOffsets(id: string, record: string): ReadonlyMap<string, number> {
    const [home, item] = this.definition(id, record);
    const block = /^record [A-Za-z0-9-]+ \{([\s\S]*)\}$/.exec(item);
    if (!block) throw new Error(`assertion failed: \`${record}\` is not a record`);
    const fields = splitTop(block[1]).map((f) => [f.slice(0, f.indexOf(':')).trim(), f.slice(f.indexOf(':') + 1)] as const);
    const { offsets } = recordLayout(fields.map(([, type]) => this.layout(home, type)));
    return new Map(fields.map(([name], i) => [name, offsets[i]]));
  }

  /**
   * Every resource handle inside a value of type `expr`, with its offset from
   * the value's start and the discriminants that must hold for it to exist.
   */
  handleSites(id: string, expr: string, base = 0, when: readonly CaseCondition[] = []): HandleSite[] {
    const text = expr.trim();
    if (text === '_' || text === 'string' || text in PRIMITIVES || text === 'result') return [];
    const generic = /^([a-z]+)<([\s\S]*)>$/.exec(text);
    if (generic) {
      const args = splitTop(generic[2]);
      switch (generic[1]) {
        case 'own':
        case 'borrow':
          return this.handleSites(id, args[0], base, when);
        case 'list': {
          const elements = this.handleSites(id, args[0]);
          if (elements.length === 0) return [];
          const list = { elementSize: this.layout(id, args[0]).size, elements };
          return [{ offset: base, resource: elements[0].resource, home: elements[0].home, when, list }];
        }
        case 'tuple':
          return this.fieldSites(id, args, base, when);
        case 'option':
          return this.caseSites(id, [undefined, args[0]], base, when);
        case 'result':
          return this.caseSites(id, args.map((a) => (a === '_' ? undefined : a)), base, when);
      }
    }
    const [home, item] = this.definition(id, text);
    if (item.startsWith('resource ')) return [{ offset: base, resource: text, home, when }];
    const alias = /^type [A-Za-z0-9-]+ = ([\s\S]+);$/.exec(item);
    if (alias) return this.handleSites(home, alias[1], base, when);
    const block = /^(record|variant|enum|flags) [A-Za-z0-9-]+ \{([\s\S]*)\}$/.exec(item)!;
    const members = splitTop(block[2]);
    if (block[1] === 'record') return this.fieldSites(home, members.map((m) => m.slice(m.indexOf(':') + 1)), base, when);
    if (block[1] === 'variant') return this.caseSites(home, members.map((m) => /\(([\s\S]*)\)$/.exec(m)?.[1]), base, when);
    return [];
  }

  private fieldSites(id: string, fields: readonly string[], base: number, when: readonly CaseCondition[]): HandleSite[] {
    const { offsets } = recordLayout(fields.map((f) => this.layout(id, f)));
    return fields.flatMap((f, i) => this.handleSites(id, f, base + offsets[i], when));
  }

  private caseSites(id: string, cases: ReadonlyArray<string | undefined>, base: number, when: readonly CaseCondition[]): HandleSite[] {
    const layout = variantLayout(cases.map((c) => (c === undefined ? undefined : this.layout(id, c))));
    const discSize = cases.length <= 256 ? 1 : cases.length <= 65536 ? 2 : 4;
    return cases.flatMap((c, caseIndex) =>
      c === undefined ? [] : this.handleSites(id, c, base + layout.payloadOffset, [...when, { offset: base, size: discSize, caseIndex }]));
  }

  /** The result type of function `func` (`[method]r.f` for methods) of interface `id`, as written. */
  resultType(id: string, func: string): string {
    return this.declaration(id, func).result;
  }

  /**
   * The flat core parameters of `func` that hold a handle (as the canonical
   * ABI flattens its parameters, `self` first for a method): a handle
   * parameter itself, or an owned one in an `option` or `result` case, with
   * the discriminant that must hold for it to be there. Own handles deeper in
   * a parameter are not supported.
   */
  paramHandleSites(id: string, func: string): ParamHandleSite[] {
    const params = splitTop(this.declaration(id, func).params).map((p) => p.slice(p.indexOf(':') + 1).trim()).filter(Boolean);
    const resource = /^\[method\]([a-z0-9-]+)\./.exec(func)?.[1];
    const types = resource ? [`borrow<${resource}>`, ...params] : params;
    const sites: ParamHandleSite[] = [];
    let index = 0;
    for (const type of types) {
      const direct = this.handleParam(id, type);
      const generic = /^(option|result)<([\s\S]*)>$/.exec(type);
      if (direct) {
        sites.push({ index, ...direct });
      } else if (generic) {
        const args = splitTop(generic[2]);
        const cases = generic[1] === 'option' ? [undefined, args[0]] : args.map((a) => (a === '_' ? undefined : a));
        cases.forEach((c, caseIndex) => {
          const handle = c === undefined ? undefined : this.handleParam(id, c);
          if (handle?.own) sites.push({ index: index + 1, ...handle, when: { index, caseIndex } });
          else if (c !== undefined && this.holdsOwn(id, c)) throw new Error(`assertion failed: an own handle nested in \`${c}\` of \`${func}\``);
        });
      } else if (this.holdsOwn(id, type)) {
        throw new Error(`assertion failed: an own handle nested in \`${type}\` of \`${func}\``);
      }
      index += this.flatCount(id, type);
    }
    return sites;
  }

  // The resource of a handle type (`r`, `own<r>`, `borrow<r>`, or an alias of them), and whether it is owned.
  private handleParam(id: string, type: string): { resource: string; home: string; own: boolean } | undefined {
    const wrapped = /^(own|borrow)<([\s\S]*)>$/.exec(type.trim());
    const inner = wrapped?.[2] ?? type.trim();
    if (/[<>]/.test(inner) || inner in PRIMITIVES || inner === 'string') return undefined;
    const [site] = this.handleSites(id, inner);
    const handle = site && !site.list && site.when.length === 0 && site.offset === 0 && this.layout(id, inner).size === 4;
    return handle ? { resource: site.resource, home: site.home, own: wrapped?.[1] !== 'borrow' } : undefined;
  }

  // Whether a value of `type` holds an own handle anywhere.
  private holdsOwn(id: string, type: string): boolean {
    return this.handleSites(id, type.replace(/borrow<[^<>]*>/g, 'u32')).length > 0;
  }

  // How many core values the canonical ABI flattens `expr` into.
  private flatCount(id: string, expr: string): number {
    const text = expr.trim();
    if (text === '_') return 0;
    if (text in PRIMITIVES) return 1;
    if (text === 'string') return 2;
    const generic = /^([a-z]+)<([\s\S]*)>$/.exec(text);
    if (generic) {
      const args = splitTop(generic[2]);
      switch (generic[1]) {
        case 'list': return 2;
        case 'own':
        case 'borrow': return 1;
        case 'tuple': return args.reduce((n, a) => n + this.flatCount(id, a), 0);
        case 'option': return 1 + this.flatCount(id, args[0]);
        case 'result': return 1 + Math.max(0, ...args.map((a) => this.flatCount(id, a)));
      }
    }
    if (text === 'result') return 1;
    const [home, item] = this.definition(id, text);
    if (item.startsWith('resource ')) return 1;
    const alias = /^type [A-Za-z0-9-]+ = ([\s\S]+);$/.exec(item);
    if (alias) return this.flatCount(home, alias[1]);
    const block = /^(record|variant|enum|flags) [A-Za-z0-9-]+ \{([\s\S]*)\}$/.exec(item)!;
    const members = splitTop(block[2]);
    switch (block[1]) {
      case 'record': return members.reduce((n, m) => n + this.flatCount(home, m.slice(m.indexOf(':') + 1)), 0);
      case 'variant': return 1 + Math.max(0, ...members.map((m) => this.flatCount(home, /\(([\s\S]*)\)$/.exec(m)?.[1] ?? '_')));
      case 'enum': return 1;
      default: return Math.max(1, Math.ceil(members.length / 32));
    }
  }

  // A function's parameters and result, as written (a constructor returns its resource).
  private declaration(id: string, func: string): { params: string; result: string } {
    const items = this.items(id);
    const constructed = /^\[constructor\]([a-z0-9-]+)$/.exec(func)?.[1];
    if (constructed) {
      const resource = items.find((i) => i.startsWith(`resource ${constructed}`)) ?? '';
      const decl = /(?:^|[;{\s])constructor\(([^)]*)\)/.exec(resource);
      if (!decl) throw new Error(`assertion failed: \`${id}\` declares no \`${func}\``);
      return { params: decl[1], result: constructed };
    }
    const m = /^\[(?:method|static)\]([a-z0-9-]+)\.(.+)$/.exec(func);
    const scope = m ? (items.find((i) => i.startsWith(`resource ${m[1]}`)) ?? '') : items.join(';\n');
    const name = m ? m[2] : func;
    const decl = new RegExp(`(?:^|[;{\\s])%?${name}:\\s*(?:static\\s+)?func\\(([^)]*)\\)\\s*(?:->\\s*([^;]+))?;`).exec(scope);
    if (!decl) throw new Error(`assertion failed: \`${id}\` declares no \`${func}\``);
    return { params: decl[1], result: (decl[2] ?? '_').trim() };
  }

  private items(id: string): readonly string[] {
    const items = this.wit.interfaces.get(id);
    if (!items) throw new Error(`assertion failed: jco ships no WIT for \`${id}\``);
    return items;
  }

  private named(id: string, name: string): Layout {
    const [home, item] = this.definition(id, name);
    if (item.startsWith('resource ')) return { size: 4, align: 4 };
    const alias = /^type [A-Za-z0-9-]+ = ([\s\S]+);$/.exec(item);
    if (alias) return this.layout(home, alias[1]);
    const block = /^(record|variant|enum|flags) [A-Za-z0-9-]+ \{([\s\S]*)\}$/.exec(item)!;
    return this.block(home, block[1], splitTop(block[2]));
  }

  /** The item that defines type `name` as seen from interface `id`, following `use`, and the interface it is in. */
  private definition(id: string, name: string): [string, string] {
    for (const item of this.items(id)) {
      if (new RegExp(`^(resource|type|record|variant|enum|flags) ${name}(?![\\w-])`).test(item)) return [id, item];
      const use = /^use ([a-z0-9:/-]+?)(?:@[\d.]+)?\.\{([^}]*)\}/.exec(item);
      const imported = use && splitTop(use[2]).find((n) => n.split(/\s+as\s+/).pop() === name);
      if (use && imported) {
        const home = use[1].includes(':') ? use[1] : `${id.slice(0, id.indexOf('/'))}/${use[1]}`;
        return this.definition(home, imported.split(/\s+as\s+/)[0]);
      }
    }
    throw new Error(`assertion failed: no type \`${name}\` in \`${id}\``);
  }

  private block(id: string, kind: string, members: string[]): Layout {
    switch (kind) {
      case 'record':
        return recordLayout(members.map((m) => this.layout(id, m.slice(m.indexOf(':') + 1))));
      case 'variant':
        return variantLayout(members.map((m) => {
          const payload = /\(([\s\S]*)\)$/.exec(m);
          return payload ? this.layout(id, payload[1]) : undefined;
        }));
      case 'enum':
        return variantLayout(members.map(() => undefined));
      default: {
        const bytes = members.length <= 8 ? 1 : members.length <= 16 ? 2 : 4 * Math.ceil(members.length / 32);
        return { size: members.length === 0 ? 0 : bytes, align: Math.min(4, Math.max(1, bytes)) };
      }
    }
  }
}
