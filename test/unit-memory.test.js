// Drives units' core modules directly: calls repeated many times must not grow their memory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadWasiWit, parseInterfaceName, virtualizerOf } from '../dist/index.js';
import { planFromManifest } from '../dist/build.js';

const CALLS = 1_000_000;
const iface = 'wasi:cli/environment@0.2.12';

async function unitInstance(yaml) {
  const plan = planFromManifest(yaml, 'virt.yaml');
  const app = { name: parseInterfaceName(iface), functions: ['get-environment', 'get-arguments', 'initial-cwd'] };
  const unit = await virtualizerOf('wasi:cli/environment').build(plan, [app], new Map(), await loadWasiWit());
  let exports;
  const encoder = new TextEncoder();
  const writeString = (text, at) => {
    const bytes = encoder.encode(text);
    const ptr = exports.cabi_realloc(0, 0, 1, bytes.length);
    new Uint8Array(exports.memory.buffer).set(bytes, ptr);
    new DataView(exports.memory.buffer).setUint32(at, ptr, true);
    new DataView(exports.memory.buffer).setUint32(at + 4, bytes.length, true);
  };
  const hostEnvironment = (ret) => {
    const list = exports.cabi_realloc(0, 0, 4, 32);
    writeString('USER', list);
    writeString('bob', list + 8);
    writeString('OTHER', list + 16);
    writeString('x', list + 24);
    new DataView(exports.memory.buffer).setUint32(ret, list, true);
    new DataView(exports.memory.buffer).setUint32(ret + 4, 2, true);
  };
  const { instance } = await WebAssembly.instantiate(unit.core, {
    [`host:cli/environment@0.2.12`]: { 'get-environment': hostEnvironment, 'get-arguments': () => {}, 'initial-cwd': () => {} },
  });
  exports = instance.exports;
  return exports;
}

function readEnvironment(exports, ret) {
  const view = new DataView(exports.memory.buffer);
  const decoder = new TextDecoder();
  const str = (at) => decoder.decode(new Uint8Array(exports.memory.buffer, view.getUint32(at, true), view.getUint32(at + 4, true)));
  const [list, count] = [view.getUint32(ret, true), view.getUint32(ret + 4, true)];
  return Array.from({ length: count }, (_, i) => `${str(list + i * 16)}=${str(list + i * 16 + 8)}`);
}

test(`${CALLS} calls of get-environment leave the unit's memory as it was`, async () => {
  const exports = await unitInstance('version: 1\nenv:\n  vars: { A: "1" }\n  host: { allow: [USER] }\n');
  const getEnvironment = exports[`${iface}#get-environment`];
  assert.equal(readEnvironment(exports, getEnvironment()), ['A=1', 'USER=bob']);
  const before = exports.memory.buffer.byteLength;
  for (let i = 0; i < CALLS; i++) getEnvironment();
  assert.is(exports.memory.buffer.byteLength, before);
  assert.equal(readEnvironment(exports, getEnvironment()), ['A=1', 'USER=bob']);
});


test('the vfs unit: opening, writing, reading and dropping files over and over does not grow its memory', async () => {
  const { vfsUnit } = await import('../dist/virtual-fs/vfs-unit.js');
  const { buildUnit } = await import('../dist/units/unit.js');
  const { fillSegments } = await import('../dist/binary/data-segments.js');
  const plan = planFromManifest('version: 1\nfilesystem:\n  writable: true\n  mounts:\n    /data/a.txt: { text: "x" }\n    /tmp: { memory: {} }\n', 'virt.yaml');
  const wit = await loadWasiWit();
  const methods = ['open-at', 'write', 'read', 'unlink-file-at'].map((m) => `[method]descriptor.${m}`);
  const types = { name: parseInterfaceName('wasi:filesystem/types@0.2.12'), functions: methods };
  const unit = await buildUnit(vfsUnit(plan.filesystem, wit, new Map([['wasi:filesystem/types', types]])), wit);
  // The tree's layout and the files are in a data segment that a build fills last.
  const { instance } = await WebAssembly.instantiate(fillSegments(unit.core, unit.segments), {});
  const x = instance.exports;
  const fn = (name) => x[`virt:fs/vfs@0.1.0#${name}`];
  const view = () => new DataView(x.memory.buffer);
  const put = (bytes) => {
    const ptr = x.cabi_realloc(0, 0, 1, bytes.length);
    new Uint8Array(x.memory.buffer).set(bytes, ptr);
    return ptr;
  };
  const path = new TextEncoder().encode('file.txt');
  const directories = fn('get-directories')();
  const list = view().getUint32(directories, true);
  const tmp = view().getUint32(list + 12, true); // the second preopen: /tmp
  const cycle = (i) => {
    let ret = fn('open-at')(tmp, 0, put(path), path.length, 1 /* create */, 3 /* read | write */);
    assert.is(view().getUint8(ret), 0);
    const fd = view().getUint32(ret + 4, true);
    const data = new TextEncoder().encode(`round ${i}`);
    fn('write')(fd, put(data), data.length, 0n);
    ret = fn('read')(fd, 64n, 0n);
    const text = new TextDecoder().decode(new Uint8Array(x.memory.buffer, view().getUint32(ret + 4, true), view().getUint32(ret + 8, true)));
    fn('drop-descriptor')(fd);
    ret = fn('unlink-file-at')(tmp, put(path), path.length);
    assert.is(view().getUint8(ret), 0);
    return text;
  };
  for (let i = 0; i < 20_000; i++) cycle(i);
  const before = x.memory.buffer.byteLength;
  for (let i = 0; i < 200_000; i++) cycle(i);
  assert.is(cycle(7), 'round 7');
  assert.is(x.memory.buffer.byteLength, before);
});

test.run();
