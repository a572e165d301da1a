// The typed model of WIT interfaces: decoded from what wasm-tools makes of WIT,
// printed back as WIT that wasm-tools parses to the same model.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { componentEmbed, componentNew } from '../dist/jco/jco.js';
import { readImportedInterfaces } from '../dist/wit/model-reader.js';
import { loadWasiModel } from '../dist/wit/wasi-model.js';
import { loadWasiWit, worldSource } from '../dist/wit/wasi-wit.js';
import { parseInterfaceName } from '../dist/index.js';
import { shapeApp } from './corpus.js';

const model = await loadWasiModel();
const byName = new Map(model.map((i) => [i.name, i]));

test('the WASI model keeps renames in uses, resources and methods as the parser saw them', () => {
  const http = byName.get('wasi:http/types@0.2.12');
  assert.equal(http.types.find(([n]) => n === 'io-error'), ['io-error', { kind: 'use', from: 'wasi:io/error@0.2.12', name: 'error' }]);
  const streams = byName.get('wasi:io/streams@0.2.12');
  assert.equal(streams.types.find(([n]) => n === 'input-stream'), ['input-stream', { kind: 'resource' }]);
  const read = streams.functions.find(([n]) => n === '[method]input-stream.read')[1];
  assert.equal(read.params, [['self', { kind: 'borrow', resource: 'input-stream' }], ['len', { kind: 'primitive', name: 'u64' }]]);
  assert.equal(read.result, { kind: 'result', ok: { kind: 'list', of: { kind: 'primitive', name: 'u8' } }, err: { kind: 'named', name: 'stream-error' } });
});

test('every WASI interface printed back as WIT parses to the same model', async () => {
  const wit = await loadWasiWit();
  const names = model.map((i) => parseInterfaceName(i.name));
  const source = worldSource(wit, { imports: names.map((name) => ({ name })), exports: [] });
  const again = readImportedInterfaces(await componentNew(await componentEmbed({ dummy: true, witSource: source, world: 'unit' })));
  // The same types and functions; WIT groups a resource's functions, and the encoder orders a `use` its own way.
  const byFirst = ([a], [b]) => a.localeCompare(b);
  const sorted = (iface) => JSON.parse(JSON.stringify({ ...iface, types: [...iface.types].sort(byFirst), functions: [...iface.functions].sort(byFirst) }));
  assert.equal(again.length, model.length);
  for (const iface of again) assert.equal(sorted(iface), sorted(byName.get(iface.name)), iface.name);
});

test("an app's own imports read as the model of what it declares", async () => {
  const app = await shapeApp(['import wasi:sockets/tcp@0.2.0;'], { version: '0.2.0', keep: (_, name) => name === '[method]tcp-socket.subscribe' });
  const tcp = readImportedInterfaces(app).find((i) => i.name === 'wasi:sockets/tcp@0.2.0');
  assert.equal(tcp.functions.map(([n]) => n), ['[method]tcp-socket.subscribe']);
  assert.equal(tcp.types.map(([n]) => n), ['tcp-socket', 'pollable']);
  assert.equal(tcp.types[1][1], { kind: 'use', from: 'wasi:io/poll@0.2.0', name: 'pollable' });
});

test.run();
