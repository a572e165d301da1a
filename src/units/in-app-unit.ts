// The core module that serves app imports inside the app (compose/in-app.ts):
// one function per lowered import it answers, with the very core signature the
// app's lowered import has (read from jco's dummy module for a world importing
// those interfaces), living in the app's memory and allocating through the
// app's realloc. Capability folders give the bodies; this assembles them.
import { IN_APP_MODULE, type InAppModule } from '../compose/in-app.js';
import { componentEmbed, parseWat, printWasm } from '../jco/jco.js';
import { formatInterfaceName, interfaceId } from '../wit/names.js';
import { UNIT_WORLD, worldSource, type WasiWit } from '../wit/wasi-wit.js';
import type { FunctionBody } from './core-module-edit.js';
import { CODE_SECTION, DATA_SECTION, entrySizes } from '../binary/module-reader.js';
import { readCoreView, type CoreFunction } from './generated-unit.js';
import type { AppImport } from './unit.js';

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

/** The in-app module, and each part's share of its bytes. */
export interface BuiltInAppModule extends InAppModule {
  /** By part: the bytes of its functions and data, and an even share of the module's own. */
  readonly sizes: readonly number[];
}

/** Builds the in-app module for `parts`; `others` are the app's other imports, whose types the served ones may use. */
export async function buildInAppModule(parts: readonly InAppPart[], others: readonly AppImport[], wit: WasiWit): Promise<BuiltInAppModule> {
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
  const exports = new Map<string, Map<string, string>>();
  const hostCalls = new Map<string, CoreFunction>();
  let exported = 0;
  // Each part's fields and functions, in order; its own ids named apart from another part's (two versions of one interface).
  const chunks = parts.map((part, k) => {
    const ids = [...(part.fields ?? []).join('\n').matchAll(/\((?:func|data|global) \$([\w.-]+)/g)].map((m) => m[1]);
    const own = ids.length ? new RegExp(`\\$(?:${ids.join('|')})(?![\\w.-])`, 'g') : undefined;
    const scope = (text: string): string => (own ? text.replace(own, (id) => `${id}.${k}`) : text);
    const texts = (part.fields ?? []).map(scope);
    for (const app of part.imports) {
      const module = formatInterfaceName(app.name);
      // The dummy module names an import by its interface and major.minor version: `cm32p2|wasi:cli/exit@0.2`.
      const dummyModule = `|${interfaceId(app.name)}@`;
      for (const func of app.functions) {
        const signature = view.imported(dummyModule, func);
        const body = part.body(app, func, signature);
        const text = scope(body.instructions.join('\n    ')).replace(/call \$host:(\S+)/g, (_, fn: string) => {
          hostCalls.set(`${module}#${fn}`, view.imported(dummyModule, fn));
          return `call $host:${module}#${fn}`;
        });
        const exportName = (exported++).toString(36);
        exports.set(module, (exports.get(module) ?? new Map()).set(func, exportName));
        const locals = body.locals?.length ? ` (local ${body.locals.join(' ')})` : '';
        // Only a function that traps needs a name, which the trap shows; the export's only reader is the rewrite.
        const name = body.name ? ` ${JSON.stringify(body.name).replace(/^"/, '$"')}` : '';
        texts.push(`(func${name} (export "${exportName}")${signatureText(signature)}${locals}\n    ${text})`);
      }
    }
    return texts;
  });
  const all = chunks.flat().join('\n');
  const usesMemory = /\b(?:i32|i64|f32|f64)\.(?:load|store)|\bmemory\./.test(all);
  const text = [
    '(module',
    ...(usesMemory ? [`(import "${IN_APP_MODULE}" "memory" (memory 0))`] : []),
    ...(all.includes('$realloc') ? [`(import "${IN_APP_MODULE}" "realloc" ${REALLOC})`] : []),
    ...[...hostCalls].map(([name, sig]) => `(import "${IN_APP_MODULE}" ${JSON.stringify(name)} (func $host:${name}${signatureText(sig)}))`),
    all,
    ')',
  ].join('\n');
  const module = await parseWat(text);
  return { module, serves: exports, sizes: partSizes(module, chunks) };
}

function signatureText(signature: CoreFunction): string {
  return (signature.params.length ? ` (param ${signature.params.join(' ')})` : '') + (signature.results.length ? ` (result ${signature.results.join(' ')})` : '');
}

// Each part's bytes of code and data in `module`, with an even share of the rest.
function partSizes(module: Uint8Array, chunks: readonly string[][]): number[] {
  const bodies = entrySizes(module, CODE_SECTION);
  const data = entrySizes(module, DATA_SECTION);
  const own = chunks.map((texts) => {
    const funcs = texts.filter((t) => t.startsWith('(func')).length;
    const segments = texts.filter((t) => t.startsWith('(data')).length;
    return bodies.splice(0, funcs).reduce((a, b) => a + b, 0) + data.splice(0, segments).reduce((a, b) => a + b, 0);
  });
  const shared = (module.length - own.reduce((a, b) => a + b, 0)) / chunks.length;
  return own.map((n) => Math.round(n + shared));
}
