// `npm run bench`, composition part: what a sandbox costs each example in its shape: core modules and core
// instances (counted in the binary, nested components included), output size, and instantiate and run
// times against the bare app, run through the same run() in this same run. Medians; ratios are virt / bare.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECTION } from '../dist/binary/component-format.js';
import { readSections } from '../dist/binary/component-reader.js';
import { ByteReader } from '../dist/binary/byte-reader.js';
import { prepareApp } from '../dist/inspect/prepare-app.js';
import { build, load, nodeFiles, run } from '../dist/index.js';
import { median, report } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);

// Core modules and instantiations of them (not the instances that only bundle exports) in a component,
// nested components included.
function shape(bytes) {
  let modules = 0;
  let instances = 0;
  for (const s of readSections(bytes)) {
    if (s.id === SECTION.coreModule) modules++;
    else if (s.id === SECTION.coreInstance) {
      const r = new ByteReader(bytes, s.contentStart, s.end);
      r.vec(() => {
        const tag = r.u8();
        if (tag === 0x00) {
          instances++;
          r.u32();
          r.vec(() => [r.name(), r.u8(), r.u32()]);
        } else r.vec(() => [r.name(), r.u8(), r.u32()]);
      });
    }
    else if (s.id === SECTION.component) {
      const inner = shape(bytes.subarray(s.contentStart, s.end));
      modules += inner.modules;
      instances += inner.instances;
    }
  }
  return { modules, instances };
}

const EXAMPLES = [
  ['hello', 'examples/hello/virt.yaml', 'examples/hello/app.wasm'],
  ['files', 'examples/files/virt.yaml', 'examples/files/app.wasm'],
  ['sealed (cat)', 'test/fixtures/sealed/virt.yaml', 'test/fixtures/apps/cat.wasm'],
  ['rust-app', undefined, 'test/fixtures/corpus/rust-app.wasm'],
  ['js-app', undefined, 'test/fixtures/corpus/js-app.wasm'],
];

for (const [name, manifestFile, appFile] of EXAMPLES) {
  const source = manifestFile ? readFileSync(manifestFile, 'utf8') : 'version: 1\n';
  const file = manifestFile ?? 'virt.yaml';
  const app = new Uint8Array(readFileSync(appFile));
  const { component } = await build({ manifest: { source, file }, app, files: nodeFiles(manifestFile ? join(file, '..') : '.') });
  const bare = (await prepareApp(app)).component;
  const [v, b] = [shape(component), shape(bare)];
  report(`${name}: core modules, virt / bare`, `${v.modules} / ${b.modules}`);
  report(`${name}: core instances made, virt / bare`, `${v.instances} / ${b.instances}`);
  report(`${name}: size, virt / bare`, `${component.length} B / ${bare.length} B`);
  // Alternate the two, so that a slow moment of the machine falls on both.
  const loaded = await Promise.all([component, bare].map((c) => load(c)));
  const times = loaded.map(() => ({ instantiate: [], run: [] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of loaded.entries()) {
      const one = { instantiate: [], run: [] };
      for (let r = 0; r < RUNS; r++) {
        const { timings } = await run(c, { args: ['app'] });
        one.instantiate.push(timings.instantiate);
        one.run.push(timings.run);
      }
      times[i].instantiate.push(median(one.instantiate));
      times[i].run.push(median(one.run));
    }
  }
  for (const phase of ['instantiate', 'run']) {
    const [a, c] = times.map((t) => median(t[phase]));
    report(`${name}: ${phase}, virt / bare`, `${a.toFixed(3)} ms / ${c.toFixed(3)} ms = ${(a / c).toFixed(2)}`);
  }
}
