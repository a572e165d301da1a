// `npm run bench`, preview-1 part: virt's preview-1 layer against jco's preview-1 adapter (`preview1: adapter`),
// for a hello world and for a program that uses the whole filesystem surface: the adapter's core module as
// wit-component keeps it, the built output (sandbox included), and instantiate + run of hello through
// run(), in this same run. Medians; ratios are layer / adapter.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { SECTION } from '../dist/binary/component-format.js';
import { readSections } from '../dist/binary/component-reader.js';
import { readModuleInterface } from '../dist/binary/module-reader.js';
import { build, load, run } from '../dist/index.js';
import { prepareApp } from '../dist/inspect/prepare-app.js';
import { median, report } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const manifest = (layer) => ({ source: `version: 1\npreview1: ${layer}\n`, file: 'virt.yaml' });

// The core module of the component that exports what preview-1 programs import.
function adapterModule(component) {
  for (const s of readSections(component)) {
    if (s.id !== SECTION.coreModule) continue;
    const core = component.subarray(s.contentStart, s.end);
    if (readModuleInterface(core).exports.some((e) => e.name === 'fd_write')) return core;
  }
  throw new Error('no preview-1 adapter in the component');
}

for (const [name, file] of [['hello', 'hello.core.wasm'], ['fs-workout', 'fs-workout.core.wasm']]) {
  const app = new Uint8Array(readFileSync(`test/fixtures/apps/${file}`));
  const [own, jco] = await Promise.all(['virt', 'adapter'].map(async (layer) => {
    const { component } = await build({ manifest: manifest(layer), app });
    return { component, module: adapterModule((await prepareApp(app, layer)).component).length };
  }));
  report(`${name}: preview-1 core module, layer / adapter`, `${own.module} B / ${jco.module} B = ${(own.module / jco.module).toFixed(2)}`);
  report(`${name}: built output, layer / adapter`, `${own.component.length} B / ${jco.component.length} B = ${(own.component.length / jco.component.length).toFixed(2)}`);
  if (name !== 'hello') continue;
  // Alternate the two, so that a slow moment of the machine falls on both.
  const loaded = await Promise.all([own, jco].map((o) => load(o.component)));
  const times = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, component] of loaded.entries()) {
      const start = performance.now();
      for (let r = 0; r < RUNS; r++) await run(component);
      times[i].push((performance.now() - start) / RUNS);
    }
  }
  const [a, b] = times.map(median);
  report('hello: instantiate + run, layer / adapter', `${a.toFixed(3)} ms / ${b.toFixed(3)} ms = ${(a / b).toFixed(2)}`);
}
