// What virt serves inside the app: the null filesystem, the environment, clocks that the app does not sleep on,
// and denied exit and randomness are core functions in the app's own component, and the imports they answer
// whole leave it. Where the app's shape does not allow it, units serve the same, with the same answers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { build } from '../dist/index.js';
import { readComponent, readSections } from '../dist/binary/component-reader.js';
import { SECTION } from '../dist/binary/component-format.js';
import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWat } from '../dist/jco/jco.js';
import { seedKey } from '../dist/virtual-env/random-unit.js';
import { buildWith, fixture, instantiate, root, runCommand } from './helpers.js';

const hello = fixture('apps/hello.wasm');
const envPrint = fixture('apps/env-print.wasm');
const hostEnv = [['USER', 'bob'], ['HOME', '/host/home'], ['X_ONE', '1'], ['SECRET', 's3cret']];

function count(bytes, id) {
  return readSections(bytes).filter((s) => s.id === id).length;
}

async function buildLogged(yaml, app) {
  const progress = [];
  const result = await build({ manifest: { source: yaml, file: 'virt.yaml' }, app, onProgress: (line) => progress.push(line) });
  return { ...result, progress };
}

test('with everything it virtualizes inside the app, the output is the app itself: one more core module, and fewer imports', async () => {
  const { component, progress, unitSizes } = await buildLogged('version: 1\nenv:\n  vars: { HOME: /home/app, LANG: C.UTF-8 }\n  args: [hello, a]\n', hello);
  assert.ok(progress.includes('building the environment unit for `wasi:cli/environment@0.2.12`, inside the app'), progress.join('\n'));
  const imports = readComponent(component).imports.map((i) => i.name);
  for (const gone of ['wasi:cli/environment@0.2.12', 'wasi:filesystem/types@0.2.12', 'wasi:filesystem/preopens@0.2.12']) {
    assert.not.ok(imports.includes(gone), `${gone} left the app`);
  }
  assert.is(count(component, SECTION.component), count(hello, SECTION.component), 'no unit components');
  assert.is(count(component, SECTION.coreModule), count(hello, SECTION.coreModule) + 1);
  assert.ok(unitSizes.get('environment') > 0 && unitSizes.get('null-filesystem') > 0);
  const { stdout, exitCode } = await runCommand(component, { args: ['ignored'] });
  assert.is(exitCode, 0);
  assert.is(stdout, 'hello from /home/app (LANG=C.UTF-8)\nargument 1: a\n');
});

test('host arguments stay the host\'s own lowered import, beside fixed variables served inside the app', async () => {
  const { component } = await buildWith('version: 1\nenv:\n  vars: { A: "1" }\n  args: host\n', envPrint);
  assert.ok(readComponent(component).imports.some((i) => i.name === 'wasi:cli/environment@0.2.12'), 'the host gives the arguments');
  const { stdout } = await runCommand(component, { args: ['tool', 'x'], env: hostEnv });
  assert.match(stdout, 'env A=1\narg 0 tool\narg 1 x\n');
  assert.not.match(stdout, 'USER');
});

test('host variables filtered inside the app and in the unit (jco\'s adapter holds the realloc) are the same', async () => {
  const yaml = (preview1) => `version: 1\npreview1: ${preview1}\nenv:\n  vars: { HOME: /home/app }\n  host: { deny: ["SECR?T"] }\n`;
  const core = fixture('apps/env-print.core.wasm');
  const inApp = await buildLogged(yaml('virt'), core);
  const unit = await buildLogged(yaml('adapter'), core);
  assert.ok(inApp.progress.some((l) => l.startsWith('building the environment unit') && l.endsWith('inside the app')));
  assert.ok(unit.progress.includes('building the environment unit for `wasi:cli/environment@0.2.12`'), unit.progress.join('\n'));
  const env = async (component) => (await runCommand(component, { env: hostEnv })).stdout.split('\n').filter((l) => l.startsWith('env '));
  const expected = ['env HOME=/home/app', 'env USER=bob', 'env X_ONE=1'];
  assert.equal(await env(inApp.component), expected);
  assert.equal(await env(unit.component), expected);
});

test('a virtual clock the app never sleeps on steps inside the app; one it sleeps on stays with the unit', async () => {
  const loop = await buildLogged('version: 1\nclocks: { monotonic: { start: 5s, step: 1us } }\n', fixture('apps/clock-loop.wasm'));
  assert.ok(loop.progress.some((l) => l.startsWith('building the clocks unit') && l.endsWith('inside the app')), loop.progress.join('\n'));
  assert.not.ok(readComponent(loop.component).imports.some((i) => i.name.startsWith('wasi:clocks/monotonic-clock')));
  // 1,000,000 readings between the two around the loop, 1 us apart; every reading is a whole microsecond, so even.
  assert.is((await runCommand(loop.component)).stdout, 'loop 1000001000 readings-odd 0\n');
  // An app that never sleeps needs no io group for its virtual clock: its streams stay the host's.
  assert.not.ok(loop.progress.some((l) => l.includes('io-group')), loop.progress.join('\n'));
  assert.ok(readComponent(loop.component).imports.some((i) => i.name === 'wasi:io/streams@0.2.12'));
  const sleeps = await buildLogged('version: 1\nclocks: { monotonic: { step: 1us } }\n', fixture('apps/clocks.wasm'));
  assert.ok(sleeps.progress.includes('building the clocks unit for `wasi:clocks/monotonic-clock@0.2.12`'), sleeps.progress.join('\n'));
  assert.match((await runCommand(sleeps.component, { args: ['clocks'] })).stdout, 'slept 10000001000\n');
});

test('deterministic: true on an app that never sleeps is served inside the app whole: no unit at all', async () => {
  const { component, progress } = await buildLogged('version: 1\ndeterministic: true\n', hello);
  assert.not.ok(progress.some((l) => l.startsWith('composing')), progress.join('\n'));
  assert.is(count(component, SECTION.component), count(hello, SECTION.component));
  const imports = readComponent(component).imports.map((i) => i.name);
  assert.not.ok(imports.some((n) => /^wasi:(clocks|random|filesystem|cli\/terminal-)/.test(n)), imports.join(', '));
  assert.is((await runCommand(component, { args: ['x'], env: hostEnv })).stdout, 'hello from nowhere (LANG=unset)\n');
});

test('a denied exit or clock traps inside the app under the name the unit\'s trap has', async () => {
  const exit = await buildLogged('version: 1\nexit: deny\nenv:\n  vars: { EXIT_CODE: "3" }\n', envPrint);
  assert.ok(exit.progress.some((l) => l.startsWith('building the exit unit') && l.endsWith('inside the app')), exit.progress.join('\n'));
  const exited = await runCommand(exit.component);
  assert.is(exited.exitCode, 134);
  assert.match(exited.trap, 'in `exit-denied-by-manifest`');
  const clock = await buildLogged('version: 1\nclocks: { monotonic: deny }\n', fixture('apps/clock-loop.wasm'));
  assert.ok(clock.progress.some((l) => l.startsWith('building the clocks unit') && l.endsWith('inside the app')), clock.progress.join('\n'));
  const trapped = await runCommand(clock.component);
  assert.is(trapped.exitCode, 134);
  assert.match(trapped.trap, 'in `monotonic-clock-denied-by-manifest`');
});

test('an app whose lowered imports use two reallocs (componentize-js) gets an instance of the module for each', async () => {
  const { component, progress } = await buildLogged('version: 1\n', fixture('corpus/js-app.wasm'));
  assert.ok(progress.includes('building the null-filesystem unit for `wasi:filesystem/types@0.2.12`, `wasi:filesystem/preopens@0.2.12`, inside the app'), progress.join('\n'));
  assert.not.ok(readComponent(component).imports.some((i) => i.name.startsWith('wasi:filesystem/')));
  const { stdout } = await runCommand(component, { args: ['js-app', 'a'] });
  assert.match(stdout, 'args js-app a\ncwd (none)\nfiles no preopens\n');
  // Seeded streams keep state, so they are not split over two instances: the unit serves them, and the rest
  // is still served inside the app.
  const seeded = await buildLogged('version: 1\nrandom: { mode: seeded, seed: 1 }\n', fixture('corpus/js-app.wasm'));
  assert.ok(seeded.progress.some((l) => l.endsWith('with units instead: the app lowers its imports with more than one realloc, and what virt would serve there keeps state')), seeded.progress.join('\n'));
  assert.ok(seeded.progress.includes('building the random unit for `wasi:random/random@0.2.12`'), seeded.progress.join('\n'));
  assert.not.ok(readComponent(seeded.component).imports.some((i) => i.name.startsWith('wasi:filesystem/')));
  assert.match((await runCommand(seeded.component)).stdout, /^random 0\.\d+$/m);
});

test('an app that lowers the environment with UTF-16 strings gets the unit, and the build says why', async () => {
  const app = await parseWat(readFileSync(join(root, 'test/fixtures/shapes/utf16-environment.wat'), 'utf8'));
  const { component, progress } = await buildLogged('version: 1\nenv:\n  vars: { A: b }\n', app);
  assert.ok(progress.includes('serving `wasi:cli/environment@0.2.3` with units instead: the app lowers `wasi:cli/environment@0.2.3` with a string encoding other than UTF-8'), progress.join('\n'));
  assert.ok(progress.includes('building the environment unit for `wasi:cli/environment@0.2.3`'));
  assert.equal((await instantiate(component)).env(), [['A', 'b']]);
});

test('seeded randomness inside the app and in the unit are the same ChaCha20 streams as Node\'s crypto computes', async () => {
  const app = await parseWat(readFileSync(join(root, 'test/fixtures/shapes/random-streams.wat'), 'utf8'));
  const manifest = { source: 'version: 1\nrandom: { mode: seeded, seed: 42 }\n', file: 'virt.yaml' };
  // Stream s of the seed: the keystream of ChaCha20 (RFC 8439) with counter 0 and nonce (s, 0, 0), as in ./assembly/random.ts.
  const stream = (s, length) => {
    const iv = Buffer.alloc(16);
    iv.writeUInt32LE(s, 4);
    return createCipheriv('chacha20', seedKey(42n), iv).update(Buffer.alloc(length));
  };
  const [random, insecure, seed] = [stream(0, 32), stream(1, 78), stream(2, 16)];
  for (const inApp of [true, false]) {
    const progress = [];
    const { component } = await build({ manifest, app, inApp, onProgress: (line) => progress.push(line) });
    assert.is(progress.some((l) => l.endsWith('inside the app')), inApp, progress.join('\n'));
    const drawn = await instantiate(component);
    assert.is(drawn.randomU64(), random.readBigUInt64LE(0));
    assert.equal(Buffer.from(drawn.randomBytes(24n)), random.subarray(8, 32));
    assert.equal(Buffer.from(drawn.insecureBytes(70n)), insecure.subarray(0, 70), 'across a block');
    assert.is(drawn.insecureU64(), insecure.readBigUInt64LE(70));
    assert.equal(drawn.insecureSeed(), [seed.readBigUInt64LE(0), seed.readBigUInt64LE(8)]);
  }
});

test.run();
