import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createCipheriv } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadWasiWit, parseInterfaceName, readComponent, virtualizerOf } from '../dist/index.js';
import { planFromManifest } from '../dist/build.js';
import { seedKey } from '../dist/virtual-env/random-unit.js';
import { buildWith, fixture, renameInterfaces, root, runCommand } from './helpers.js';

const clocks = fixture('apps/clocks.wasm');
const golden = join(root, 'test/fixtures/golden/clocks-deterministic.txt');

function imports(component) {
  return readComponent(component).imports.map((i) => i.name);
}

test('with deterministic: true, three runs print the same bytes, equal to the golden file', async () => {
  const { component } = await buildWith('version: 1\ndeterministic: true\n', clocks);
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push((await runCommand(component)).stdout);
  assert.is(runs[1], runs[0]);
  assert.is(runs[2], runs[0]);
  if (process.env.UPDATE === '1' || !existsSync(golden)) writeFileSync(golden, runs[0]);
  assert.fixture(runs[0], readFileSync(golden, 'utf8'));
});

test('an app mixing WASI versions across the clock interfaces gets the same deterministic run', async () => {
  const mixed = await renameInterfaces(clocks, [
    ['wasi:io/poll@0.2.12', 'wasi:io/poll@0.2.0'],
    ['wasi:clocks/monotonic-clock@0.2.12', 'wasi:clocks/monotonic-clock@0.2.3'],
    ['wasi:clocks/wall-clock@0.2.12', 'wasi:clocks/wall-clock@0.2.1'],
  ]);
  const { component } = await buildWith('version: 1\ndeterministic: true\n', mixed);
  const names = imports(component);
  assert.ok(names.includes('wasi:io/poll@0.2.0') && !names.some((n) => n.startsWith('wasi:clocks/')), names.join(', '));
  assert.fixture((await runCommand(component)).stdout, readFileSync(golden, 'utf8'));
});

test('without it, two runs differ (host wall clock and host random)', async () => {
  const { component } = await buildWith('version: 1\nclocks: { monotonic: { step: 1us } }\n', clocks);
  const a = await runCommand(component);
  const b = await runCommand(component);
  assert.is.not(a.stdout, b.stdout);
  assert.is.not(a.stdout.match(/^entropy .*$/m)[0], b.stdout.match(/^entropy .*$/m)[0]);
});

test('a virtual sleep of 10 s ends at once, and virtual time moves past it', async () => {
  const { component } = await buildWith('version: 1\nclocks: { monotonic: { start: 5s, step: 1us } }\n', clocks);
  const start = performance.now();
  const { stdout } = await runCommand(component);
  const realMs = performance.now() - start;
  const slept = BigInt(stdout.match(/^slept (\d+)$/m)[1]);
  assert.ok(slept >= 10_000_000_000n, `slept only ${slept} ns`);
  assert.ok(realMs < 5000, `the run took ${realMs} ms of real time`);
  assert.match(stdout, /^monotonic 5000000000$/m); // the first reading is the start
});

test('a virtual wall clock starts where the manifest says and steps per reading', async () => {
  const { component } = await buildWith('version: 1\nclocks:\n  wall: { start: "2024-01-01T00:00:00.25Z", step: 1ms }\n', clocks);
  const { stdout } = await runCommand(component);
  assert.match(stdout, /^time 1704067200$/m);
  assert.match(stdout, /^realtime 1704067200251000000$/m);
});

test('the audit: deterministic: true leaves no clock and no random import; sleeps are the io group\'s deadlines', async () => {
  const { component, audit } = await buildWith('version: 1\ndeterministic: true\n', clocks);
  const names = imports(component);
  assert.not.ok(names.some((n) => n.startsWith('wasi:clocks/')), names.join(', '));
  assert.not.ok(names.some((n) => n.startsWith('wasi:random/')), names.join(', '));
  assert.equal(audit.violations, []);
  for (const id of ['wasi:clocks/wall-clock@0.2.12', 'wasi:clocks/monotonic-clock@0.2.12', 'wasi:io/poll@0.2.12']) {
    assert.is(audit.lines.find((l) => l.interface === id).status, 'virtualized', id);
  }
});

test('poll wakes virtual deadlines in order, one step at a time', async () => {
  const sleeps = fixture('apps/sleeps.wasm');
  const { component } = await buildWith('version: 1\nclocks: { monotonic: { step: 1us } }\nstdio: { stdin: ignore }\n', sleeps);
  const start = performance.now();
  assert.is((await runCommand(component)).stdout, 'woke 1: 5 after 5 s\nwoke 1: 10 after 10 s\n');
  assert.ok(performance.now() - start < 5000, 'virtual sleeps take no real time');
  // A virtual clock alone brings in the io group too: the host's poll never holds a virtual deadline.
  const { component: plain } = await buildWith('version: 1\nclocks: { monotonic: { step: 1us } }\n', sleeps);
  assert.is((await runCommand(plain)).stdout, 'woke 1: 5 after 5 s\nwoke 1: 10 after 10 s\n');
});

test('a denied clock traps, and the trap names the denial', async () => {
  const { component } = await buildWith('version: 1\nclocks: { wall: deny }\n', clocks);
  assert.not.ok(imports(component).some((n) => n.startsWith('wasi:clocks/wall-clock')));
  const { exitCode, trap } = await runCommand(component);
  assert.is(exitCode, 134);
  assert.match(trap, 'in `wall-clock-denied-by-manifest`');
});

test('a denied monotonic clock traps, naming the denial, and takes no pollable from the host', async () => {
  const { component } = await buildWith('version: 1\nclocks: { monotonic: deny }\n', clocks);
  assert.not.ok(imports(component).some((n) => n.startsWith('wasi:clocks/monotonic-clock')));
  const { exitCode, trap, stdout } = await runCommand(component);
  assert.is(exitCode, 134);
  assert.match(trap, 'in `monotonic-clock-denied-by-manifest`');
  assert.match(stdout, /^realtime \d+$/m);
});

test('denied random traps, naming the denial', async () => {
  const { component } = await buildWith('version: 1\nclocks: { wall: { step: 1us }, monotonic: { step: 1us } }\nrandom: { mode: deny }\n', clocks);
  const { exitCode, trap, stdout } = await runCommand(component);
  assert.is(exitCode, 134);
  assert.match(trap, 'in `random-denied-by-manifest`');
  assert.match(stdout, /^slept \d+$/m);
});

test('exit: deny makes exit trap, naming the denial', async () => {
  const envPrint = fixture('apps/env-print.wasm');
  const { component } = await buildWith('version: 1\nenv:\n  vars: { EXIT_CODE: "3" }\nexit: deny\n', envPrint);
  assert.not.ok(imports(component).some((n) => n.startsWith('wasi:cli/exit')));
  const { exitCode, trap } = await runCommand(component);
  assert.is(exitCode, 134);
  assert.match(trap, 'in `exit-denied-by-manifest`');
});

async function randomUnit(seed) {
  const plan = planFromManifest(`version: 1\nrandom: { mode: seeded, seed: ${seed} }\n`, 'virt.yaml');
  const apps = ['random', 'insecure', 'insecure-seed'].map((i) => ({
    name: parseInterfaceName(`wasi:random/${i}@0.2.12`),
    functions: ['get-random-bytes', 'get-random-u64', 'get-insecure-random-bytes', 'get-insecure-random-u64', 'insecure-seed'],
  }));
  const unit = await virtualizerOf('wasi:random/random').build(plan, apps, new Map(), await loadWasiWit());
  const { instance } = await WebAssembly.instantiate(unit.core, {});
  const e = instance.exports;
  const bytes = (fn, n) => {
    const ret = e[`wasi:random/${fn}`](BigInt(n));
    const view = new DataView(e.memory.buffer);
    return Buffer.from(new Uint8Array(e.memory.buffer, view.getUint32(ret, true), view.getUint32(ret + 4, true)));
  };
  return {
    random: (n) => bytes('random@0.2.12#get-random-bytes', n),
    insecure: (n) => bytes('insecure@0.2.12#get-insecure-random-bytes', n),
    u64: () => BigInt.asUintN(64, e['wasi:random/random@0.2.12#get-random-u64']()),
    seed: () => {
      const ret = e['wasi:random/insecure-seed@0.2.12#insecure-seed']();
      const view = new DataView(e.memory.buffer);
      return [view.getBigUint64(ret, true), view.getBigUint64(ret + 8, true)];
    },
  };
}

function chacha20(seed, stream, length) {
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(stream, 4);
  return createCipheriv('chacha20', seedKey(seed), iv).update(Buffer.alloc(length));
}

test('the seeded stream is ChaCha20 keyed by the seed, whatever the split of requests', async () => {
  const seed = 18446744073709551615n;
  const whole = await randomUnit(seed);
  const split = await randomUnit(seed);
  const expected = chacha20(seed, 0, 200);
  assert.equal(whole.random(32), expected.subarray(0, 32));
  assert.equal(Buffer.concat([split.random(16), split.random(16)]), expected.subarray(0, 32));
  // u64s come from the same stream, little-endian.
  assert.is(whole.u64(), expected.readBigUInt64LE(32));
  assert.equal(whole.random(100), expected.subarray(40, 140));
  // insecure and insecure-seed read streams of their own.
  assert.equal(whole.insecure(24), chacha20(seed, 1, 24));
  const seedStream = chacha20(seed, 2, 16);
  assert.equal(whole.seed(), [seedStream.readBigUInt64LE(0), seedStream.readBigUInt64LE(8)]);
  const other = await randomUnit(1n);
  assert.is.not(other.random(32).toString('hex'), expected.subarray(0, 32).toString('hex'));
});

test.run();
