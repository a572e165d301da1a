// The app as a component: a component as it is, or a WASI preview-1 core
// module wrapped with virt's preview-1 layer (or jco's preview-1 adapter).
import { SECTION } from '../binary/component-format.js';
import { binaryKind, readSections } from '../binary/component-reader.js';
import { ComponentReadError } from '../binary/errors.js';
import { readGlobalInits, readModuleInterface, type CoreName } from '../binary/module-reader.js';
import { renameImports } from '../binary/module-writer.js';
import { componentEmbed, componentNew, preview1Adapter } from '../jco/jco.js';
import type { Preview1Policy } from '../policies/plan.js';
import { findCwdSlot } from '../preview1/cwd-slot.js';
import { NO_CWD_SLOT, preview1Layer } from '../preview1/layer.js';
import { loadWasiWit } from '../wit/wasi-wit.js';
import { formatInterfaceName, formatVersion, parseInterfaceName, PREVIEW1_MODULE, type InterfaceName } from '../wit/names.js';

/** The app component, and a note when virt had to wrap a core module. */
export interface PreparedApp {
  readonly component: Uint8Array;
  readonly note?: string;
  /**
   * Whether the app's working directory is `initial-cwd`: served (a component, or a preview-1 program
   * whose libc keeps one), or not, as a preview-1 program behind jco's adapter or without `chdir`.
   */
  readonly cwd: 'served' | 'adapter' | 'no-libc-cwd';
}

/** Returns the app as a component, wrapping a preview-1 core module with `layer`. */
export async function prepareApp(bytes: Uint8Array, layer: Preview1Policy = 'virt'): Promise<PreparedApp> {
  if (binaryKind(bytes) === 'component') return { component: bytes, cwd: componentCwd(bytes) };
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
  if (layer === 'virt') {
    const cwdSlot = findCwdSlot(bytes);
    const own = await preview1Layer(kind, await loadWasiWit(), cwdSlot);
    checkAgainstAdapter(imports, exports, own);
    const component = await componentNew(bytes, [[PREVIEW1_MODULE, own]]);
    const note = `the app is a WASI preview-1 core module: wrapped it with virt's preview-1 layer (${kind})`;
    return { component, note, cwd: cwdSlot === undefined ? 'no-libc-cwd' : 'served' };
  }
  const adapter = await preview1Adapter(kind);
  checkAgainstAdapter(imports, exports, adapter);
  const core = imports.some((i) => i.module === PREVIEW1_MODULE && i.name === 'proc_exit') ? await exitWithCode(bytes, adapter) : bytes;
  const component = await componentNew(core, [[PREVIEW1_MODULE, adapter]]);
  return { component, note: `the app is a WASI preview-1 core module: wrapped it with jco's preview-1 ${kind} adapter`, cwd: 'adapter' };
}

// What jco's adapter would refuse with a message that names nothing: a function it lacks, a signature it
// does not have, or no memory to share.
function checkAgainstAdapter(imports: readonly CoreName[], exports: readonly CoreName[], adapter: Uint8Array): void {
  const provided = new Map(readModuleInterface(adapter).exports.map((e) => [e.name, e.signature]));
  for (const i of imports) {
    if (!provided.has(i.name)) {
      throw new ComponentReadError(`the module imports \`${PREVIEW1_MODULE}.${i.name}\`, which is no WASI preview-1 function`, 0);
    }
    if (i.kind !== 'func' || i.signature !== provided.get(i.name)) {
      throw new ComponentReadError(
        `the module imports \`${PREVIEW1_MODULE}.${i.name}\` as ${i.kind === 'func' ? `\`${i.signature}\`` : `a ${i.kind}`}, but preview 1 defines it as \`${provided.get(i.name)}\``,
        0,
      );
    }
  }
  if (!exports.some((e) => e.name === 'memory' && e.kind === 'memory')) {
    throw new ComponentReadError('the module exports no `memory`: a preview-1 program shares its memory with the adapter', 0);
  }
}

// Whether a component serves its app `initial-cwd`. One that holds a preview-1 program holds an adapter: a core
// module that exports what preview-1 programs import. virt's layer asks for `initial-cwd`, where jco's adapter
// does not; and the layer's placeholder for libc's working directory is still there where the program has none.
function componentCwd(component: Uint8Array): PreparedApp['cwd'] {
  for (const section of readSections(component)) {
    if (section.id !== SECTION.coreModule) continue;
    const core = component.subarray(section.contentStart, section.end);
    const { imports, exports } = readModuleInterface(core);
    const names = new Set(exports.map((e) => e.name));
    if (imports.some((i) => i.name === 'initial-cwd') && PREVIEW1_MARKS.some((name) => names.has(name))) {
      return readGlobalInits(core)?.some((g) => g.i32 === NO_CWD_SLOT) ? 'no-libc-cwd' : 'served';
    }
    if (PREVIEW1_MARKS.every((name) => names.has(name))) return 'adapter';
  }
  return 'served';
}

// What a preview-1 program that starts with libc imports: all of them, or (as wit-component keeps of an adapter
// only what the program imports) one at least.
const PREVIEW1_MARKS = ['fd_write', 'environ_get', 'proc_exit'];

// jco's adapter turns every nonzero `proc_exit(n)` into `exit(err)`, which loses n. The module's
// `proc_exit` goes straight to `exit-with-code(n)` of the exit interface the adapter imports instead.
async function exitWithCode(bytes: Uint8Array, adapter: Uint8Array): Promise<Uint8Array> {
  const exit = readModuleInterface(adapter).imports.map((i) => parseInterfaceName(i.module ?? ''))
    .find((name): name is InterfaceName => name?.namespace === 'wasi' && name.package === 'cli' && name.interface === 'exit');
  if (!exit?.version) throw new Error("assertion failed: jco's preview-1 adapter imports a versioned wasi:cli/exit");
  const module = formatInterfaceName(exit);
  const renamed = renameImports(bytes, (from, name) => (from === PREVIEW1_MODULE && name === 'proc_exit' ? { module, name: 'exit-with-code' } : undefined));
  const witSource = [
    'package virt:preview1-exit;',
    `world app { import ${module}; }`,
    `package wasi:cli@${formatVersion(exit.version)} { interface exit { exit-with-code: func(status-code: u8); } }`,
  ].join('\n');
  return componentEmbed({ binary: renamed, witSource, world: 'app' });
}
