// Runs Wizer (the pinned native binary from npm) over an adapter core module.
// The config blob reaches the adapter's init through a preloaded module named
// `virt-config` that exports `size() -> i32` and `byte(offset) -> i32`; it
// exists only during initialization, so nothing of it is in the snapshot.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import wizerPath from '@bytecodealliance/wizer';

const run = promisify(execFile);

/** The import module name under which an adapter reads its config during init. */
export const CONFIG_MODULE = 'virt-config';

function configProviderWat(blob: Uint8Array): string {
  const pages = Math.max(1, Math.ceil(blob.length / 65536));
  let data = '';
  for (const byte of blob) data += '\\' + byte.toString(16).padStart(2, '0');
  return `(module
  (memory ${pages})
  (data (i32.const 0) "${data}")
  (func (export "size") (result i32) i32.const ${blob.length})
  (func (export "byte") (param i32) (result i32) local.get 0 i32.load8_u))
`;
}

/** Instantiates `module`, runs its `init` export with `config` readable, and returns the snapshot. */
export async function wizer(module: Uint8Array, config: Uint8Array): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'virt-wizer-'));
  try {
    const input = join(dir, 'in.wasm');
    const output = join(dir, 'out.wasm');
    const provider = join(dir, 'config.wat');
    await writeFile(input, module);
    await writeFile(provider, configProviderWat(config));
    await run(wizerPath, [
      '--init-func', 'init',
      '--preload', `${CONFIG_MODULE}=${provider}`,
      '-o', output, input,
    ]);
    return new Uint8Array(await readFile(output));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
