// Runs Wizer (the pinned native binary from npm) over an adapter core module.
// The config blob reaches the adapter's init through a preloaded module named
// `virt-config` that exports `size() -> i32` and `byte(offset) -> i32`; it
// exists only during initialization, so nothing of it is in the snapshot.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ByteWriter } from '../binary/byte-writer.js';

const run = promisify(execFile);

/** The import module name under which an adapter reads its config during init. */
export const CONFIG_MODULE = 'virt-config';

// The config provider, written as a binary module: as WAT text, a blob of megabytes costs seconds to escape and parse.
function configProvider(blob: Uint8Array): Uint8Array {
  const pages = Math.max(1, Math.ceil(blob.length / 65536));
  // A function body: its size, no locals, its instructions.
  const body = (instructions: Uint8Array) => new ByteWriter().u32(instructions.length + 1).u8(0).raw(instructions).finish();
  const size = body(new ByteWriter().u8(0x41).s33(blob.length).u8(0x0b).finish()); // i32.const <length>
  const byte = body(Uint8Array.of(0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b)); // local.get 0; i32.load8_u
  return new ByteWriter()
    .raw(Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0))
    .section(1, Uint8Array.of(2, 0x60, 0, 1, 0x7f, 0x60, 1, 0x7f, 1, 0x7f)) // () -> i32, (i32) -> i32
    .section(3, Uint8Array.of(2, 0, 1))
    .section(5, new ByteWriter().u32(1).u8(0).u32(pages).finish())
    .section(7, new ByteWriter().u32(2).name('size').u8(0).u32(0).name('byte').u8(0).u32(1).finish())
    .section(10, new ByteWriter().u32(2).raw(size).raw(byte).finish())
    .section(11, new ByteWriter().u32(1).raw(Uint8Array.of(0, 0x41, 0, 0x0b)).u32(blob.length).raw(blob).finish())
    .finish();
}

/** Instantiates `module`, runs its `init` export with `config` readable, and returns the snapshot. */
export async function wizer(module: Uint8Array, config: Uint8Array): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'virt-wizer-'));
  try {
    const input = join(dir, 'in.wasm');
    const output = join(dir, 'out.wasm');
    const provider = join(dir, 'config.wasm');
    await writeFile(input, module);
    await writeFile(provider, configProvider(config));
    // Imported here: finding the platform's binary takes 20 ms that a build with its units cached need not spend.
    const { default: wizerPath } = await import('@bytecodealliance/wizer');
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
