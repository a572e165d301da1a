// The app as a component: a component as it is, or a WASI preview-1 core
// module wrapped with jco's preview-1 adapter.
import { binaryKind } from '../binary/component-reader.js';
import { ComponentReadError } from '../binary/errors.js';
import { readModuleInterface } from '../binary/module-reader.js';
import { componentNew, preview1Adapter } from '../jco/jco.js';
import { PREVIEW1_MODULE } from '../wit/names.js';

/** The app component, and a note when virt had to wrap a core module. */
export interface PreparedApp {
  readonly component: Uint8Array;
  readonly note?: string;
}

/** Returns the app as a component, wrapping a preview-1 core module. */
export async function prepareApp(bytes: Uint8Array): Promise<PreparedApp> {
  if (binaryKind(bytes) === 'component') return { component: bytes };
  const { imports, exports } = readModuleInterface(bytes);
  const others = [...new Set(imports.map((i) => i.module).filter((m) => m !== PREVIEW1_MODULE))];
  if (!imports.some((i) => i.module === PREVIEW1_MODULE) || others.length > 0) {
    const found = others.length ? `; it imports from ${others.map((m) => `\`${m}\``).join(', ')}` : '';
    throw new ComponentReadError(
      `this core module is not a WASI preview-1 program: only modules that import from \`${PREVIEW1_MODULE}\` alone can be wrapped${found}`,
      0,
    );
  }
  const kind = exports.some((e) => e.name === '_start') ? 'command' : 'reactor';
  const component = await componentNew(bytes, [[PREVIEW1_MODULE, await preview1Adapter(kind)]]);
  return { component, note: `the app is a WASI preview-1 core module: wrapped it with jco's preview-1 ${kind} adapter` };
}
