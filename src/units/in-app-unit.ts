// The core module that serves app imports inside the app (compose/in-app.ts):
// one function per lowered import it answers, with the very core signature the
// app's lowered import has (read from jco's dummy module for a world importing
// those interfaces), living in the app's memory and allocating through the
// app's realloc. Capability folders give the bodies; this assembles them.
import { componentEmbed, parseWat, printWasm } from '../jco/jco.js';
import { formatInterfaceName, interfaceId } from '../wit/names.js';
import { UNIT_WORLD, worldSource, type WasiWit } from '../wit/wasi-wit.js';
import type { FunctionBody } from './core-module-edit.js';
import { CODE_SECTION, DATA_SECTION, entrySizes } from '../binary/module-reader.js';
import { readCoreView, type CoreFunction } from './generated-unit.js';
import type { AppImport } from './unit.js';

/** The import module of an in-app core module: the app's memory and realloc, and the host functions it calls. */
export const IN_APP_MODULE = 'virt-app';

/** A core module to serve app imports in the app's memory. */
export interface InAppModule {
  /**
   * Imports from IN_APP_MODULE: `memory`, `realloc` (the app's, as its lowered imports use them) and, for each
   * host function it calls, `<import>#<function>`.
   */
  readonly module: Uint8Array;
  /** The app's imports it serves, by import name: each function it answers, and the module's export that does. */
  readonly serves: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** What one virtualizer serves inside the app. */
export interface InAppPart {
  /** The app's imports it serves, each with the functions it answers (the app's own list). */
  readonly imports: readonly AppImport[];
  /**
   * The body of the function that answers `func` of `app`, given its core signature (its parameters are
   * locals 0, 1, ...). It allocates with `call $realloc` and calls a host function `f` of the same import
   * with `call $host:f`, which makes the import stay with the host.
   */
  body(app: AppImport, func: string, signature: CoreFunction): FunctionBody;
  /**
   * `canonical` where the bodies allocate as a lowered import would, call for call (an adapter's import realloc
   * may count on that); `any` where only an allocator will do.
   */
  readonly reallocs?: 'canonical' | 'any';
  /** WAT fields the bodies use: passive data (`(data $name "...")`), globals, helper functions. */
  readonly fields?: readonly string[];
}

const REALLOC = '(func $realloc (param i32 i32 i32 i32) (result i32))';

/** Whether a part keeps state between calls (in globals: a clock, the random streams), so that one instance must serve it. */
export function keepsState(part: InAppPart): boolean {
  return (part.fields ?? []).some((field) => field.startsWith('(global'));
}

/** The in-app modules, and each part's share of their bytes. */
export interface BuiltInAppModules {
  /**
   * One module of every function; then, where there are both kinds, a pair to use instead where the one cannot be
   * placed: the functions that need neither the app's memory nor its realloc, which can go early (wit-component
   * lowers `exit` before the preview-1 adapter that exports the realloc), and the others.
   */
  readonly modules: readonly InAppModule[];
  /** By part: the bytes of its functions and data in the module of every function, and an even share of the rest. */
  readonly sizes: readonly number[];
}

// Whether WAT text touches memory; and whether it needs anything of the app: its memory or realloc, or a host function.
const USES_MEMORY = /\b(?:i32|i64|f32|f64)\.(?:load|store)|\bmemory\./;
const NEEDS_APP = new RegExp(`${USES_MEMORY.source}|\\$realloc\\b|\\$host:`);

/** Builds the in-app modules for `parts`; `others` are the app's other imports, whose types the served ones may use. */
export async function buildInAppModules(parts: readonly InAppPart[], others: readonly AppImport[], wit: WasiWit): Promise<BuiltInAppModules> {
  const imports = parts.flatMap((part) => part.imports);
  const served = new Set(imports.map((app) => formatInterfaceName(app.name)));
  const context = others.filter((app) => !served.has(formatInterfaceName(app.name)));
  const witSource = worldSource(wit, {
    imports: [...imports, ...context].map((app) => ({
      name: app.name,
      keep: (fn: string) => served.has(formatInterfaceName(app.name)) && app.functions.includes(fn),
      ...(app.types ? { types: new Set(app.types) } : {}),
    })),
    exports: [],
  });
  const view = readCoreView(await printWasm(await componentEmbed({ witSource, world: UNIT_WORLD, dummy: true })));
  const hostCalls = new Map<string, CoreFunction>();
  // Each part's fields and functions; its own ids named apart from another part's (two versions of one interface).
  const chunks = parts.map((part, k) => {
    const ids = (part.fields ?? []).map((field) => /^\((?:func|data|global) \$([\w.-]+)/.exec(field)?.[1]);
    const named = ids.filter((id): id is string => id !== undefined);
    const own = named.length ? new RegExp(`\\$(?:${named.join('|')})(?![\\w.-])`, 'g') : undefined;
    const scope = (text: string): string => (own ? text.replace(own, (id) => `${id}.${k}`) : text);
    const fields = (part.fields ?? []).map((text, i) => ({ id: ids[i] === undefined ? undefined : `$${ids[i]}.${k}`, text: scope(text) }));
    const funcs = part.imports.flatMap((app) => {
      const module = formatInterfaceName(app.name);
      // The dummy module names an import by its interface and major.minor version: `cm32p2|wasi:cli/exit@0.2`.
      const dummyModule = `|${interfaceId(app.name)}@`;
      return app.functions.map((func) => {
        const signature = view.imported(dummyModule, func);
        const body = part.body(app, func, signature);
        const text = scope(body.instructions.join('\n    ')).replace(/call \$host:(\S+)/g, (_, fn: string) => {
          hostCalls.set(`${module}#${fn}`, view.imported(dummyModule, fn));
          return `call $host:${module}#${fn}`;
        });
        const locals = body.locals?.length ? ` (local ${body.locals.join(' ')})` : '';
        // Only a function that traps needs a name, which the trap shows; the export's only reader is the rewrite.
        const name = body.name ? ` (@name ${JSON.stringify(body.name)})` : '';
        return { module, func, head: `(func${name}`, rest: `${signatureText(signature)}${locals}\n    ${text})` };
      });
    });
    // The fields a text uses, and what they use in turn.
    const uses = (text: string): Set<number> => {
      const found = new Set<number>();
      const visit = (t: string): void => fields.forEach((f, i) => {
        if (f.id && !found.has(i) && new RegExp(`\\${f.id.replace(/\./g, '\\.')}(?![\\w.-])`).test(t)) {
          found.add(i);
          visit(f.text);
        }
      });
      visit(text);
      return found;
    };
    const used = funcs.map((f) => uses(f.rest));
    const late = funcs.map((f, i) => NEEDS_APP.test(f.rest) || [...used[i]].some((j) => NEEDS_APP.test(fields[j].text)));
    // A field that both kinds use stays with the late ones, and so do the early functions that use it.
    for (let changed = true; changed;) {
      changed = false;
      const lateFields = new Set(funcs.flatMap((_, i) => (late[i] ? [...used[i]] : [])));
      funcs.forEach((_, i) => {
        if (!late[i] && [...used[i]].some((j) => lateFields.has(j))) late[i] = changed = true;
      });
    }
    // One module of all the functions, or the early ones and the late ones; fields no function names (a part's own
    // data, say) go with the late ones.
    const group = (member: (i: number) => boolean, late: boolean) => {
      const fieldIndices = new Set(funcs.flatMap((_, i) => (member(i) ? [...used[i]] : [])));
      if (late) fields.forEach((_, i) => !funcs.some((__, j) => used[j].has(i)) && fieldIndices.add(i));
      return { fields: fields.filter((_, i) => fieldIndices.has(i)).map((f) => f.text), funcs: funcs.filter((_, i) => member(i)) };
    };
    return [group(() => true, true), group((i) => !late[i], false), group((i) => late[i], true)];
  });
  const modules: InAppModule[] = [];
  let shares: Array<{ funcs: number; data: number }> = [];
  // The pair, only where there are functions of both kinds.
  const split = chunks.some((c) => c[1].funcs.length > 0) && chunks.some((c) => c[2].funcs.length > 0);
  for (const which of split ? [0, 1, 2] : [0]) {
    const groups = chunks.map((c) => c[which]);
    const serves = new Map<string, Map<string, string>>();
    let exported = 0;
    const texts = groups.map((g) => [...g.fields, ...g.funcs.map((f) => {
      const exportName = (exported++).toString(36);
      serves.set(f.module, (serves.get(f.module) ?? new Map()).set(f.func, exportName));
      return `${f.head} (export "${exportName}")${f.rest}`;
    })]);
    const all = texts.flat().join('\n');
    const calls = [...hostCalls].filter(([name]) => all.includes(`$host:${name}`));
    const text = [
      '(module',
      ...(USES_MEMORY.test(all) ? [`(import "${IN_APP_MODULE}" "memory" (memory 0))`] : []),
      ...(all.includes('$realloc') ? [`(import "${IN_APP_MODULE}" "realloc" ${REALLOC})`] : []),
      ...calls.map(([name, sig]) => `(import "${IN_APP_MODULE}" ${JSON.stringify(name)} (func $host:${name}${signatureText(sig)}))`),
      all,
      ')',
    ].join('\n');
    modules.push({ module: await parseWat(text), serves });
    if (which === 0) shares = texts.map((t) => ({ funcs: t.filter((x) => x.startsWith('(func')).length, data: t.filter((x) => x.startsWith('(data')).length }));
  }
  return { modules, sizes: partSizes(modules[0].module, shares) };
}

function signatureText(signature: CoreFunction): string {
  return (signature.params.length ? ` (param ${signature.params.join(' ')})` : '') + (signature.results.length ? ` (result ${signature.results.join(' ')})` : '');
}

// Each part's bytes of code and data in the module of every function, with an even share of the rest.
function partSizes(module: Uint8Array, shares: ReadonlyArray<{ funcs: number; data: number }>): number[] {
  const [bodies, data] = [entrySizes(module, CODE_SECTION), entrySizes(module, DATA_SECTION)];
  const sum = (list: number[]) => list.reduce((a, b) => a + b, 0);
  const own = shares.map((share) => sum(bodies.splice(0, share.funcs)) + sum(data.splice(0, share.data)));
  const shared = (module.length - sum(own)) / shares.length;
  return own.map((n) => Math.round(n + shared));
}
