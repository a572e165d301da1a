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
  /** WAT fields the bodies use: passive data (`(data $name "...")`), globals, helper functions. */
  readonly fields?: readonly string[];
}

const REALLOC = '(func $realloc (param i32 i32 i32 i32) (result i32))';

/** Builds the in-app module for `parts`; `others` are the app's other imports, whose types the served ones may use. */
export async function buildInAppModule(parts: readonly InAppPart[], others: readonly AppImport[], wit: WasiWit): Promise<InAppModule> {
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
  const printed = await printWasm(await componentEmbed({ witSource, world: UNIT_WORLD, dummy: true }));
  const view = readCoreView(printed);
  const funcs: string[] = [];
  const hostCalls = new Map<string, CoreFunction>();
  for (const part of parts) {
    for (const app of part.imports) {
      const module = formatInterfaceName(app.name);
      // The dummy module names an import by its interface and major.minor version: `cm32p2|wasi:cli/exit@0.2`.
      const dummyModule = `|${interfaceId(app.name)}@`;
      for (const func of app.functions) {
        const signature = view.imported(dummyModule, func);
        const body = part.body(app, func, signature);
        const text = body.instructions.join('\n    ').replace(/call \$host:(\S+)/g, (_, fn: string) => {
          hostCalls.set(`${module}#${fn}`, view.imported(dummyModule, fn));
          return `call $host:${module}#${fn}`;
        });
        const params = signature.params.length ? ` (param ${signature.params.join(' ')})` : '';
        const results = signature.results.length ? ` (result ${signature.results.join(' ')})` : '';
        const locals = body.locals?.length ? ` (local ${body.locals.join(' ')})` : '';
        const name = body.name ?? `${module}#${func}`;
        funcs.push(`  (func ${JSON.stringify(name).replace(/^"/, '$"')} (export ${JSON.stringify(`${module}#${func}`)})${params}${results}${locals}\n    ${text})`);
      }
    }
  }
  const all = funcs.join('\n');
  const fields = parts.flatMap((part) => part.fields ?? []);
  const usesMemory = /\b(?:i32|i64|f32|f64)\.(?:load|store)|\bmemory\./.test(all + fields.join('\n'));
  const hostImports = [...hostCalls].map(([name, sig]) => {
    const params = sig.params.length ? ` (param ${sig.params.join(' ')})` : '';
    const results = sig.results.length ? ` (result ${sig.results.join(' ')})` : '';
    return `  (import "${IN_APP_MODULE}" ${JSON.stringify(name)} (func $host:${name}${params}${results}))`;
  });
  const text = [
    '(module',
    ...(usesMemory ? [`  (import "${IN_APP_MODULE}" "memory" (memory 0))`] : []),
    ...(all.includes('$realloc') ? [`  (import "${IN_APP_MODULE}" "realloc" ${REALLOC})`] : []),
    ...hostImports,
    ...fields.map((f) => `  ${f}`),
    all,
    ')',
  ].join('\n');
  return {
    module: await parseWat(text),
    serves: new Map(imports.map((app) => [formatInterfaceName(app.name), new Set(app.functions)])),
  };
}
