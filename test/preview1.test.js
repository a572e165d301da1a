// virt's preview-1 layer: a preview-1 core module runs under virt as under a
// native host, with the manifest's working directory, and jco's adapter stays
// available as `preview1: adapter`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, nodeFiles, readComponent } from '../dist/index.js';
import { parseWat } from '../dist/jco/jco.js';
import { findCwdSlot } from '../dist/preview1/cwd-slot.js';
import { readGlobalInits } from '../dist/binary/module-reader.js';
import { setGlobalInit } from '../dist/binary/module-writer.js';
import { buildWith, fixture, runCommand } from './helpers.js';

const cwdApp = fixture('apps/cwd.wasm');
const site = 'filesystem:\n  mounts:\n    /site/a.txt: { text: "top\\n" }\n    /site/sub/b.txt: { text: "sub\\n" }\n';

test('env.cwd is where relative paths resolve, getcwd says so, and chdir moves it', async () => {
  const { component, notes } = await buildWith(`version: 1\nenv:\n  cwd: /site\n${site}`, cwdApp);
  assert.not.ok(notes.some((n) => n.includes('env.cwd')), notes.join('; '));
  const { stdout, exitCode } = await runCommand(component, { args: ['cwd', 'a.txt', 'sub/b.txt', '/site/a.txt', 'cd:sub', 'b.txt', '../a.txt', 'cd:/site', 'sub/b.txt'] });
  assert.is(exitCode, 0);
  assert.is(stdout, [
    'cwd /site', 'read a.txt: top', 'read sub/b.txt: sub', 'read /site/a.txt: top',
    'chdir sub => 0', 'cwd /site/sub', 'read b.txt: sub', 'read ../a.txt: top',
    'chdir /site => 0', 'cwd /site', 'read sub/b.txt: sub', '',
  ].join('\n'));
});

test('without env.cwd the app starts in `/`, and a core module gets the same from virt build', async () => {
  for (const app of [cwdApp, fixture('apps/cwd.core.wasm')]) {
    const { component } = await buildWith(`version: 1\n${site}`, app);
    const { stdout } = await runCommand(component, { args: ['cwd', 'a.txt', 'site/a.txt'] });
    assert.is(stdout, 'cwd /\nopen a.txt failed\nread site/a.txt: top\n');
  }
  const { component } = await buildWith(`version: 1\nenv:\n  cwd: /site\n${site}`, fixture('apps/cwd.core.wasm'));
  assert.match((await runCommand(component, { args: ['cwd', 'a.txt'] })).stdout, 'cwd /site\nread a.txt: top\n');
});

test('preview1: adapter wraps a core module with jco\'s preview-1 adapter instead', async () => {
  const core = fixture('apps/env-print.core.wasm');
  const yaml = 'version: 1\nenv:\n  vars: { EXIT_CODE: "3" }\n';
  const own = await buildWith(yaml, core);
  const adapter = await buildWith(`${yaml}preview1: adapter\n`, core);
  assert.ok(own.notes.includes("the app is a WASI preview-1 core module: wrapped it with virt's preview-1 layer (command)"));
  assert.ok(adapter.notes.includes("the app is a WASI preview-1 core module: wrapped it with jco's preview-1 command adapter"));
  // The same program, the same output; the layer is the smaller of the two.
  const [a, b] = [await runCommand(own.component), await runCommand(adapter.component)];
  assert.is(a.stdout, b.stdout);
  assert.is(a.exitCode, 3);
  assert.is(b.exitCode, 3);
  assert.ok(own.component.length < adapter.component.length, `${own.component.length} < ${adapter.component.length}`);
});

test('the layer imports only what the program\'s preview-1 imports need', async () => {
  const { component } = await buildWith('version: 1\n', fixture('apps/hello.wasm'));
  const imports = readComponent(component).imports.map((i) => i.name);
  assert.not.ok(imports.some((name) => name.startsWith('wasi:random/') || name.startsWith('wasi:clocks/monotonic')), imports.join(', '));
});

test('a program that reads the monotonic clock and never sleeps imports no wasi:io, and a virtual clock still serves it', async () => {
  // Two readings of the monotonic clock; the exit code is how many microseconds apart they are.
  const app = await parseWat(`(module
    (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (func (export "_start")
      (drop (call $time (i32.const 1) (i64.const 0) (i32.const 16)))
      (drop (call $time (i32.const 1) (i64.const 0) (i32.const 24)))
      (call $exit (i32.wrap_i64 (i64.div_u (i64.sub (i64.load (i32.const 24)) (i64.load (i32.const 16))) (i64.const 1000))))))`);
  const { component } = await buildWith('version: 1\nclocks:\n  monotonic: { step: 5us }\n', app);
  assert.is((await runCommand(component)).exitCode, 5);
});

// What test/fixtures/apps/p1-edges.c prints on a native host (wasmtime), fd numbers aside: virt's layer answers so.
const EDGES = [
  'preopen 3 /data', 'args 2 11', 'environ 2 13', 'opened 4 5',
  'renumber a b => 0', 'read b => 0 "alpha"', 'read a => 8 ""', 'renumber to a closed fd => 8', 'renumber from a closed fd => 8', 'close b => 0',
  'readdir 42 entries, 2 dots, 40 seen once, in more than 10 calls: 1',
  'poll clock => 0', '  1 event: userdata 11 type 0 error 0',
  'poll stdout or 10 s => 0', '  1 event: userdata 22 type 2 error 0',
  'poll a closed fd => 8', '  1 event: userdata 22 type 2 error 0', 'poll nothing => 28',
  'sched_yield => 0', 'random_get 0 => 0', 'sock_shutdown stdout => 57', 'sock_shutdown a closed fd => 8',
  'seek stdout => 70', 'tell a directory => 8', 'append flags 1 filetype 4', 'set nonblock => 0', 'now flags 5', '',
].join('\n');

test('preview-1 calls answer as on a native host, on the virtual filesystem and on a host directory, and exit from deep inside', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virt-p1-'));
  for (const tree of ['tree', 'host']) {
    mkdirSync(join(dir, tree, 'list'), { recursive: true });
    writeFileSync(join(dir, tree, 'a.txt'), 'alpha');
    writeFileSync(join(dir, tree, 'b.txt'), 'beta');
  }
  const env = 'env:\n  vars: { ONE: "1", TWO: "22" }\n';
  const app = fixture('apps/p1-edges.wasm');
  const built = (yaml) => build({ manifest: { source: `version: 1\n${env}${yaml}`, file: join(dir, 'virt.yaml') }, app, files: nodeFiles(dir) });
  const virtual = await built('filesystem:\n  writable: true\n  mounts:\n    /data: { embed: ./tree }\n');
  const host = await built('filesystem:\n  mounts:\n    /data: { host: /srv/data, write: true }\n');
  const sealed = await built('deterministic: true\nfilesystem:\n  writable: true\n  mounts:\n    /data: { embed: ./tree }\n');
  const args = ['p1-edges', 'x'];
  for (const [name, out] of [
    ['virtual', await runCommand(virtual.component, { args })],
    ['host', await runCommand(host.component, { args, dirs: { '/srv/data': join(dir, 'host') } })],
    ['deterministic', await runCommand(sealed.component, { args })],
    ['deterministic, again', await runCommand(sealed.component, { args })],
  ]) {
    assert.is(out.stdout, EDGES, name);
    assert.is(out.exitCode, 7, name);
  }
});

test('libc\'s working directory is the one word that points at "/" and that the code stores to, or none', async () => {
  // A word at 16 pointing at "/" (at 32), and another at 20; `chdir` is a store to offset 16.
  const module = (stores) => parseWat(`(module (memory 1)
    (data (i32.const 16) "\\20\\00\\00\\00\\20\\00\\00\\00") (data (i32.const 32) "/\\00")
    (func ${stores.map((at) => `(i32.store offset=${at} (i32.const 0) (i32.const 64))`).join(' ')}))`);
  assert.is(findCwdSlot(await module([16])), 16);
  assert.is(findCwdSlot(await module([])), undefined);
  assert.is(findCwdSlot(await module([16, 20])), undefined, 'two candidates: neither is taken');
});

test('a global placeholder is found and set, whatever the bytes of the constants around it', async () => {
  // i32.const 11 encodes as 0x41 0x0b: an `end` byte inside an initializer.
  const module = await parseWat('(module (global (mut i32) (i32.const 11)) (global (mut i32) (i32.const 2147483632)) (global i64 (i64.const -1)))');
  assert.equal(readGlobalInits(module).map((g) => g.i32), [11, 2147483632, undefined]);
  const set = setGlobalInit(module, 2147483632, 3504);
  assert.equal(readGlobalInits(set).map((g) => g.i32), [11, 3504, undefined]);
});

test('a bad manifest value for preview1 is named', async () => {
  const error = await buildWith('version: 1\npreview1: jco\n', fixture('apps/hello.wasm')).then(() => undefined, (e) => e);
  assert.ok(error);
  assert.match(error.message, '`preview1` must be `virt` or `adapter`');
  assert.match(error.message, 'virt.yaml:2');
});

test.run();
