// Prints model interfaces as WIT, for the worlds jco's componentEmbed takes.
import { typeDef, type Func, type Interface, type Model, type Type, type TypeDef } from './model.js';
import { formatVersion, parseInterfaceName, type InterfaceName } from './names.js';

const KEYWORDS = new Set([
  'as', 'async', 'bool', 'borrow', 'char', 'constructor', 'enum', 'export', 'f32', 'f64', 'flags', 'from', 'func', 'future',
  'import', 'include', 'interface', 'list', 'option', 'own', 'package', 'record', 'resource', 'result', 's16', 's32', 's64',
  's8', 'static', 'stream', 'string', 'tuple', 'type', 'u16', 'u32', 'u64', 'u8', 'use', 'variant', 'with', 'world', 'error-context',
]);

/** A WIT identifier, `%`-escaped where it is a keyword. */
export function ident(name: string): string {
  return KEYWORDS.has(name) ? `%${name}` : name;
}

/** A value type as WIT writes it. */
export function printType(type: Type): string {
  switch (type.kind) {
    case 'primitive': return type.name;
    case 'named': return ident(type.name);
    case 'own': return ident(type.resource);
    case 'borrow': return `borrow<${ident(type.resource)}>`;
    case 'list': return `list<${printType(type.of)}>`;
    case 'option': return `option<${printType(type.of)}>`;
    case 'tuple': return `tuple<${type.items.map(printType).join(', ')}>`;
    case 'result':
      if (!type.ok && !type.err) return 'result';
      return type.err ? `result<${type.ok ? printType(type.ok) : '_'}, ${printType(type.err)}>` : `result<${printType(type.ok!)}>`;
  }
}

function printDef(name: string, def: Exclude<TypeDef, { kind: 'use' | 'resource' }>): string {
  switch (def.kind) {
    case 'record': return `record ${ident(name)} { ${def.fields.map(([f, t]) => `${ident(f)}: ${printType(t)}`).join(', ')} }`;
    case 'variant': return `variant ${ident(name)} { ${def.cases.map(([c, t]) => (t ? `${ident(c)}(${printType(t)})` : ident(c))).join(', ')} }`;
    case 'enum': return `enum ${ident(name)} { ${def.cases.map(ident).join(', ')} }`;
    case 'flags': return `flags ${ident(name)} { ${def.flags.map(ident).join(', ')} }`;
    case 'alias': return `type ${ident(name)} = ${printType(def.of)};`;
  }
}

function printSignature(f: Func, skipSelf: boolean): string {
  const params = (skipSelf ? f.params.slice(1) : f.params).map(([p, t]) => `${ident(p)}: ${printType(t)}`).join(', ');
  return `func(${params})${f.result ? ` -> ${printType(f.result)}` : ''}`;
}

/** How an interface's `use`s are written in a world. */
export interface UseTargets {
  /** The full name to write for a `use` of `from` (a model interface's full name): another version or namespace. */
  target(from: string): string;
  /** Whether the world holds `target`; a `use` of an interface it lacks is written out in place, where it can be. */
  has(target: string): boolean;
}

// A definition that mentions no other type: the same structural type, written where it is used.
function selfContained(def: TypeDef | undefined): def is Exclude<TypeDef, { kind: 'use' | 'resource' }> {
  if (!def || def.kind === 'use' || def.kind === 'resource') return false;
  const primitive = (t: Type | undefined): boolean => t === undefined || t.kind === 'primitive';
  if (def.kind === 'record') return def.fields.every(([, t]) => primitive(t));
  if (def.kind === 'variant') return def.cases.every(([, t]) => primitive(t));
  if (def.kind === 'alias') return primitive(def.of);
  return true;
}

/**
 * One interface as a WIT block of the package of `as` (the name it has in the
 * world). `model` resolves what a `use` of an interface outside the world
 * stands for.
 */
export function printInterface(iface: Interface, as: InterfaceName, uses: UseTargets, model: Model): string {
  const items: string[] = [];
  const byTarget = new Map<string, string[]>();
  for (const [name, def] of iface.types) {
    if (def.kind !== 'use') continue;
    const target = uses.target(def.from);
    if (!uses.has(target)) {
      const home = model.get(def.from);
      const inner = home && typeDef(home, def.name);
      if (selfContained(inner)) {
        items.push(printDef(name, inner));
        continue;
      }
    }
    byTarget.set(target, [...(byTarget.get(target) ?? []), def.name === name ? ident(name) : `${ident(def.name)} as ${ident(name)}`]);
  }
  for (const [target, names] of byTarget) {
    const home = parseInterfaceName(target);
    const version = (n: InterfaceName): string => (n.version ? formatVersion(n.version) : '');
    const local = home && home.namespace === as.namespace && home.package === as.package && version(home) === version(as);
    items.unshift(`use ${local ? ident(home.interface) : target}.{${names.join(', ')}};`);
  }
  const members = (resource: string): string[] => iface.functions.flatMap(([fname, f]) => {
    if (fname === `[constructor]${resource}`) return [`constructor(${f.params.map(([p, t]) => `${ident(p)}: ${printType(t)}`).join(', ')});`];
    const method = fname.startsWith(`[method]${resource}.`) ? fname.slice(`[method]${resource}.`.length) : undefined;
    if (method) return [`${ident(method)}: ${printSignature(f, true)};`];
    const fn = fname.startsWith(`[static]${resource}.`) ? fname.slice(`[static]${resource}.`.length) : undefined;
    return fn ? [`${ident(fn)}: static ${printSignature(f, false)};`] : [];
  });
  for (const [name, def] of iface.types) {
    if (def.kind === 'use') continue;
    if (def.kind !== 'resource') {
      items.push(printDef(name, def));
      continue;
    }
    const body = members(name);
    items.push(body.length ? `resource ${ident(name)} {\n      ${body.join('\n      ')}\n    }` : `resource ${ident(name)};`);
  }
  for (const [name, f] of iface.functions) {
    if (!name.startsWith('[')) items.push(`${ident(name)}: ${printSignature(f, false)};`);
  }
  return `  interface ${ident(as.interface)} {\n    ${items.join('\n    ')}\n  }`;
}
