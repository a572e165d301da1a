// `npm run bench`: sizes, build times and run-time overhead of the bundled example.
// Medians of repeated runs; ratios are against a baseline measured in this same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WASIShim } from '@bytecodealliance/preview2-shim/instantiation';
import { build, load, nodeFiles, run } from '../dist/index.js';
import { median, report } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const manifestFile = 'examples/hello/virt.yaml';
const appFile = 'examples/hello/app.wasm';
const source = readFileSync(manifestFile, 'utf8');
const app = new Uint8Array(readFileSync(appFile));
const dir = mkdtempSync(join(tmpdir(), 'virt-bench-'));
const cacheDir = join(dir, 'cache');

// Sizes.
const result = await build({ manifest: { source, file: manifestFile }, app });
report('env-unit component size', `${result.unitSizes.get('environment')} B`, '<= 6 KB');
report('composed size - app size', `${result.component.length - app.length} B (${result.component.length} - ${app.length})`);

// The smallest surface: a fully virtual manifest (test/fixtures/sealed) on a C and a componentize-js app,
// which leaves only stdout, stderr, exit and wasi:io; each unit's size, and what the sandbox adds.
const sealedDir = 'test/fixtures/sealed';
for (const sealedApp of ['test/fixtures/apps/cat.wasm', 'test/fixtures/corpus/js-app.wasm']) {
  const bytes = new Uint8Array(readFileSync(sealedApp));
  const sealed = await build({
    manifest: { source: readFileSync(join(sealedDir, 'virt.yaml'), 'utf8'), file: join(sealedDir, 'virt.yaml') },
    app: bytes,
    files: nodeFiles(sealedDir),
  });
  const name = sealedApp.split('/').pop();
  for (const [unit, size] of sealed.unitSizes) report(`fully virtual ${name}: ${unit} unit size`, `${size} B`);
  report(`fully virtual ${name}: composed size - app size`, `${sealed.component.length - bytes.length} B`);
}

// In-process build time (the first build above warmed jco up).
const inProcess = [];
for (let i = 0; i < ROUNDS; i++) {
  const start = performance.now();
  await build({ manifest: { source, file: manifestFile }, app });
  inProcess.push(performance.now() - start);
}
report(`in-process build time, median of ${ROUNDS}`, `${median(inProcess).toFixed(0)} ms`);

// CLI wall time, a fresh node process each round: every unit built (--no-cache), then every unit from the cache.
function cliBuild(...flags) {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['bin/virt.js', 'build', '-q', manifestFile, appFile, '-o', join(dir, 'out.wasm'), ...flags], {
    env: { ...process.env, XDG_CACHE_HOME: join(dir, 'xdg') },
  });
  if (r.status !== 0) throw new Error(`virt build failed: ${r.stderr}`);
  return performance.now() - start;
}
const cold = Array.from({ length: ROUNDS }, () => cliBuild('--no-cache'));
report(`virt build CLI, --no-cache, median of ${ROUNDS}`, `${(median(cold) / 1000).toFixed(2)} s`);
cliBuild();
const cli = Array.from({ length: ROUNDS }, () => cliBuild());
report(`virt build CLI, units from the cache, median of ${ROUNDS}`, `${(median(cli) / 1000).toFixed(2)} s`, '<= 0.4 s');

// Run time: both transpiled and compiled once, then instantiated and run in-process, interleaved. The
// baseline is what a user would otherwise pick: the bare app on preview2-shim's own sandbox (WASIShim with no
// preopens, fixed env and args, no network); virt's output runs on `virt run`'s host.
const options = { args: ['app', 'one', 'two'], env: [['VIRT_DEMO_X', '1']] };
const loadedBare = await load(app, { cacheDir });
const loadedVirt = await load(result.component, { cacheDir });
const sandbox = { preopens: {}, env: Object.fromEntries(options.env), args: options.args, enableNetwork: false };
async function onWasiShim(loaded) {
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    const start = performance.now();
    const exports = await loaded.instantiate(new WASIShim({ sandbox }).getImportObject());
    const instantiate = performance.now() - start;
    Object.entries(exports).find(([name]) => name.startsWith('wasi:cli/run@'))[1].run();
    return { exitCode: 0, timings: { instantiate, run: performance.now() - start - instantiate } };
  } finally {
    process.stdout.write = write;
  }
}
const series = {
  'bare on WASIShim sandbox': () => onWasiShim(loadedBare),
  'bare on virt run': () => run(loadedBare, options),
  'composed on virt run': () => run(loadedVirt, options),
};
const samples = Object.fromEntries(Object.keys(series).map((name) => [name, { total: [], instantiate: [], run: [] }]));
for (let i = 0; i < RUNS + 5; i++) {
  for (const [name, once] of Object.entries(series)) {
    const { exitCode, timings } = await once();
    if (exitCode !== 0) throw new Error('the example failed');
    if (i < 5) continue; // warm-up
    samples[name].total.push(timings.instantiate + timings.run);
    samples[name].instantiate.push(timings.instantiate);
    samples[name].run.push(timings.run);
  }
}
for (const part of ['total', 'instantiate', 'run']) {
  const [shim, bare, virt] = Object.keys(series).map((name) => median(samples[name][part]));
  report(`${part} ms: WASIShim ${shim.toFixed(3)}, bare ${bare.toFixed(3)}, virt ${virt.toFixed(3)}`,
    `virt / WASIShim ${(virt / shim).toFixed(3)} (/ bare ${(virt / bare).toFixed(3)})`, part === 'total' ? '<= 1.05' : undefined);
}

// Deterministic time and randomness: unit sizes, and a loop of 1,000,000 clock_gettime(MONOTONIC)
// calls through the virtual clock against the host clock, both in-process in this run.
const clocksApp = new Uint8Array(readFileSync('test/fixtures/apps/clocks.wasm'));
const everything = await build({ manifest: { source: 'version: 1\ndeterministic: true\nexit: deny\n', file: 'bench.yaml' }, app: clocksApp });
for (const [name, size] of everything.unitSizes) report(`${name} unit component size`, `${size} B`);
const virtualClock = await build({ manifest: { source: 'version: 1\nclocks: { monotonic: { step: 1us } }\n', file: 'bench.yaml' }, app: clocksApp });
const loops = { host: [], virtual: [] };
const loadedHost = await load(clocksApp, { cacheDir });
const loadedVirtual = await load(virtualClock.component, { cacheDir });
const CLOCK_ROUNDS = Number(process.env.BENCH_CLOCK_ROUNDS ?? 3); // each round is two runs of ~15 s
for (let i = 0; i < CLOCK_ROUNDS; i++) {
  for (const [loaded, into] of [[loadedHost, loops.host], [loadedVirtual, loops.virtual]]) {
    const { exitCode, stdout, timings } = await run(loaded, { args: ['clocks', 'bench'] });
    if (exitCode !== 0 || !stdout.startsWith('bench ')) throw new Error('the clock loop failed');
    into.push(timings.run);
  }
}
const [hostLoop, virtualLoop] = [median(loops.host), median(loops.virtual)];
if (CLOCK_ROUNDS > 0) report(`1M clock_gettime, an app that also sleeps (clocks unit), median of ${CLOCK_ROUNDS}: host ${hostLoop.toFixed(0)} ms, virtual ${virtualLoop.toFixed(0)} ms`, `ratio ${(virtualLoop / hostLoop).toFixed(3)}`);

// The same loop in an app that never sleeps: its virtual clock is served inside the app, a plain core call.
const loopApp = new Uint8Array(readFileSync('test/fixtures/apps/clock-loop.wasm'));
const inAppClock = await build({ manifest: { source: 'version: 1\nclocks: { monotonic: { step: 1us } }\n', file: 'bench.yaml' }, app: loopApp });
const pair = { host: await load(loopApp, { cacheDir }), virtual: await load(inAppClock.component, { cacheDir }) };
const inAppLoops = { host: [], virtual: [] };
for (let i = 0; i < CLOCK_ROUNDS; i++) {
  for (const name of ['host', 'virtual']) {
    const { exitCode, stdout, timings } = await run(pair[name], { args: ['clock-loop'] });
    if (exitCode !== 0 || !stdout.startsWith('loop ')) throw new Error('the clock loop failed');
    inAppLoops[name].push(timings.run);
  }
}
const [hostOnly, inApp] = [median(inAppLoops.host), median(inAppLoops.virtual)];
if (CLOCK_ROUNDS > 0) {
  report(`1M clock_gettime, an app that never sleeps (clock inside the app), median of ${CLOCK_ROUNDS}: host ${hostOnly.toFixed(0)} ms, virtual ${inApp.toFixed(0)} ms`,
    `ratio ${(inApp / hostOnly).toFixed(3)}`, '<= 1.0 (<= 0.1 with multi-memory)');
}
