// Compiles the AssemblyScript adapters once, at package build (`npm run build`).
// `virt build` only configures the compiled modules; it never runs the compiler.
import asc from 'assemblyscript/asc';
import { mkdir } from 'node:fs/promises';

const adapters = [
  { name: 'environment', entry: 'src/virtual-env/assembly/environment.ts' },
  { name: 'clocks', entry: 'src/virtual-env/assembly/clocks.ts' },
  { name: 'random', entry: 'src/virtual-env/assembly/random.ts' },
  { name: 'exit', entry: 'src/virtual-env/assembly/exit.ts' },
  // The virtual filesystem keeps a tree that changes at run time: it needs a heap with free, and a collector.
  { name: 'vfs', entry: 'src/virtual-fs/assembly/vfs.ts', runtime: 'minimal' },
  // The preview-1 layer lives in the app's memory: it imports that, and has no data of its own.
  { name: 'preview1', entry: 'src/preview1/assembly/layer.ts', flags: ['--importMemory', '--initialMemory', '0'] },
];

await mkdir('adapters/build', { recursive: true });
for (const { name, entry, runtime = 'stub', flags = [] } of adapters) {
  const { error, stderr } = await asc.main([
    entry,
    '-o', `adapters/build/${name}.wasm`,
    '--runtime', runtime,
    '--use', 'abort=',
    '-Oz',
    '--noAssert',
    ...flags,
  ]);
  if (error) {
    console.error(stderr.toString());
    process.exit(1);
  }
}
