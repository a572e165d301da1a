// virt's preview-1 layer (./assembly/layer.ts, compiled at package build) as a
// wit-component adapter: the compiled module with the WIT world of what it
// imports embedded. A command's layer exports `wasi:cli/run`, which calls the
// app's `_start`; a reactor's does not. wit-component keeps, of the layer, only
// what the app's imports reach.
import { readFile } from 'node:fs/promises';
import { readModuleInterface } from '../binary/module-reader.js';
import { renameExports, setGlobalInit } from '../binary/module-writer.js';
import { componentEmbed } from '../jco/jco.js';
import { adapterPath } from '../units/unit.js';
import { parseInterfaceName, type InterfaceName } from '../wit/names.js';
import { UNIT_WORLD, worldSource, type WasiWit } from '../wit/wasi-wit.js';

/** The interface a command's layer exports, at the version of the WASI it imports. */
const RUN = 'wasi:cli/run@0.2.12';

/** The layer's placeholder for the address of the app's working directory (`cwdSlot`). */
export const NO_CWD_SLOT = 0x7ffffff0;

/**
 * The layer for a command (`_start`) or a reactor, ready to hand to
 * componentNew; `cwdSlot` is where the app keeps its working directory, if it does.
 */
export async function preview1Layer(kind: 'command' | 'reactor', wit: WasiWit, cwdSlot?: number): Promise<Uint8Array> {
  const compiled = new Uint8Array(await readFile(adapterPath('preview1')));
  const configured = cwdSlot === undefined ? compiled : setGlobalInit(compiled, NO_CWD_SLOT, cwdSlot);
  const core = renameExports(configured, (name) => (name !== 'run' ? name : kind === 'command' ? `${RUN}#run` : null));
  const imports = [...new Set(readModuleInterface(core).imports.map((i) => i.module ?? ''))]
    .map((module) => parseInterfaceName(module))
    .filter((name): name is InterfaceName => name !== undefined);
  let witSource = worldSource(wit, { imports: imports.map((name) => ({ name })), exports: [] });
  if (kind === 'command') {
    // virt's WASI model holds what units serve; `run` is what a command exports, so it is written here.
    witSource = witSource
      .replace(`world ${UNIT_WORLD} {`, `world ${UNIT_WORLD} {\n  export ${RUN};`)
      .replace('package wasi:cli@0.2.12 {', 'package wasi:cli@0.2.12 {\ninterface run { run: func() -> result; }');
  }
  return componentEmbed({ binary: core, witSource, world: UNIT_WORLD });
}

