// Wasm proposals beyond the core spec: the build says which the output uses,
// and `virt run` refuses with exit 2 where its engine cannot run them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { wasmFeatures } from '../dist/binary/wasm-features.js';
import { parseWat } from '../dist/jco/jco.js';
import { buildWith, cli, fixture, root } from './helpers.js';

const exceptions = await parseWat(readFileSync(join(root, 'test/fixtures/shapes/exceptions.wat'), 'utf8'));

test('the features of a module and of a component are read from their sections', async () => {
  assert.equal(wasmFeatures(exceptions), ['exceptions']);
  assert.equal(wasmFeatures(await parseWat('(module (memory 1) (memory 1))')), ['multi-memory']);
  assert.equal(wasmFeatures(await parseWat('(module (memory i64 1) (memory 1 1 shared) (type (struct)))')), ['multi-memory', 'memory64', 'threads', 'gc']);
  assert.equal(wasmFeatures(fixture('apps/hello.wasm')), []);
});

test('a build says which proposals the output uses', async () => {
  const { features, notes } = await buildWith('version: 1\n', exceptions);
  assert.equal(features, ['exceptions']);
  assert.ok(notes.includes('the output uses Wasm proposals beyond the core spec, which its host must have: exceptions'), notes.join('\n'));
  const plain = await buildWith('version: 1\n', fixture('apps/hello.wasm'));
  assert.equal(plain.features, []);
});

test('virt run refuses a component its engine cannot run with exit 2, naming the proposal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virt-features-'));
  writeFileSync(join(dir, 'virt.yaml'), 'version: 1\n');
  writeFileSync(join(dir, 'app.wasm'), exceptions);
  const built = cli(['build', join(dir, 'virt.yaml'), join(dir, 'app.wasm'), '-o', join(dir, 'out.wasm')]);
  assert.is(built.status, 0, built.stderr);
  assert.match(built.stderr, 'virt: note: the output uses Wasm proposals beyond the core spec, which its host must have: exceptions');
  const ran = cli(['run', join(dir, 'out.wasm'), '--cache', join(dir, 'cache')]);
  assert.is(ran.status, 2, ran.stderr);
  assert.not.match(ran.stderr, 'internal error');
  // Node 20 lacks the proposal; on Node 22 and later, jco's translation does.
  assert.match(ran.stderr, process.versions.node.startsWith('20.')
    ? `virt: error: cannot run this component: it uses the Wasm exceptions proposal, which this engine (Node ${process.version}) lacks; Node 22 and later have it`
    : 'virt: error: cannot run this component: it uses the Wasm exceptions proposal, which jco (the engine of `virt run`) cannot translate yet; run it on wasmtime instead');
});

test.run();
