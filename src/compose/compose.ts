// Composes the virt units in front of the app: each app import is satisfied by
// a unit's export or by an outer import, and so is each unit's import, from the
// units before it; every app export is re-exported.
import type { ComponentInfo } from '../binary/component-reader.js';
import { componentWit } from '../jco/jco.js';
import type { BuiltUnit } from '../units/unit.js';
import type { UnitCache } from '../units/unit-cache.js';
import { CompositionError } from './errors.js';
import { CompositionGraph, type Argument } from './graph.js';
import { outerImportsFromApp, type ItemRef } from './outer-imports.js';

/** Composes `units` with `app` and type-checks the result (through `cache`, which remembers outputs that passed). */
export async function compose(app: Uint8Array, info: ComponentInfo, units: readonly BuiltUnit[], cache?: Pick<UnitCache, 'checked'>): Promise<Uint8Array> {
  // With nothing in front of it, the app is the output: a wrapper would only repeat its imports.
  if (units.length === 0) return validated(app, cache);
  const provided = new Set(units.flatMap((u) => u.exports));
  // A unit's import comes from the units before it where one exports it, else from the host.
  const neededFromHost = new Set(units.flatMap((u, i) => [...u.imports.values()].filter((name) => !units.slice(0, i).some((p) => p.exports.includes(name)))));
  const drop = new Set([...provided].filter((name) => !neededFromHost.has(name)));
  // What passes to the host must not use a resource a unit now provides: the host's would not be the app's.
  for (const entry of info.imports) {
    if (provided.has(entry.name)) continue;
    const used = entry.usesTypesOf.find((t) => provided.has(t.import) && info.imports.find((i) => i.name === t.import)?.types.get(t.type) === 'resource');
    if (used) {
      throw new CompositionError(
        `\`${entry.name}\` passes to the host, but it uses \`${used.type}\` of \`${used.import}\`, which virt provides under this manifest; `
        + 'virt cannot forward an interface it does not know to its own resources',
        entry.name,
      );
    }
  }
  const widen = new Map(units.flatMap((u) => [...(u.widen ?? new Map())]));
  const outer = outerImportsFromApp(app, info, drop, widen);
  const graph = new CompositionGraph(outer);

  const unitExports = new Map<string, ItemRef>();
  for (const unit of units) {
    // An earlier unit's export wins: a unit that uses wasi:io types takes the io group's when there is one.
    const args: Argument[] = [...unit.imports].map(([name, outerName]) => {
      const item = unitExports.get(outerName) ?? outer.items.get(outerName);
      if (!item) throw new CompositionError(`unit \`${unit.name}\` needs \`${outerName}\`, which the app does not import`, outerName);
      return { name, item };
    });
    const instance = graph.instantiate(graph.addComponent(unit.component), args);
    for (const name of unit.exports) unitExports.set(name, graph.aliasExport(instance, name, 'instance'));
  }

  const appArgs: Argument[] = info.imports.map(({ name }) => {
    const item = unitExports.get(name) ?? outer.items.get(name);
    if (!item) throw new Error(`assertion failed: nothing satisfies the app's import \`${name}\``);
    return { name, item };
  });
  const appInstance = graph.instantiate(graph.addComponent(app), appArgs);
  for (const { name, sort } of info.exports) graph.export(name, graph.aliasExport(appInstance, name, sort));

  return validated(graph.encode(), cache);
}

// The output, once it type-checks.
async function validated(bytes: Uint8Array, cache?: Pick<UnitCache, 'checked'>): Promise<Uint8Array> {
  const validate = async (): Promise<void> => {
    try {
      await componentWit(bytes);
    } catch (cause) {
      throw new CompositionError(`the composed component does not validate: ${String(cause)}`, 'output', { cause });
    }
  };
  await (cache ? cache.checked(bytes, validate) : validate());
  return bytes;
}
