// Fail closed: a WASI interface of a capability the manifest denies or
// virtualizes never reaches the host unserved, whatever its version or name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectPolicy, planFromManifest, readComponent } from '../dist/index.js';
import { buildWith, cli, compositionError, fixture, renameInterfaces } from './helpers.js';

const hello = fixture('apps/hello.wasm');
const netProbe = fixture('apps/net-probe.wasm');

// WASI 0.3 names beside 0.2 ones, as components of the transition import them. Every
// interface of a renamed package moves to 0.3.0, so that no package uses the other's types.
const SOCKETS_03 = ['network', 'instance-network', 'tcp-create-socket', 'udp', 'udp-create-socket', 'ip-name-lookup']
  .map((name) => [`wasi:sockets/${name}@0.2.12`, `wasi:sockets/${name}@0.3.0`]);
const CASES = [
  { app: netProbe, renames: [['wasi:sockets/tcp@0.2.12', 'wasi:sockets/types@0.3.0'], ...SOCKETS_03], denies: 'sockets: deny', capability: 'sockets', grants: 'sockets: host' },
  { app: netProbe, renames: [['wasi:http/outgoing-handler@0.2.12', 'wasi:http/client@0.3.0']], denies: 'http: deny', capability: 'http', grants: 'http: host' },
  { app: netProbe, renames: [['wasi:http/outgoing-handler@0.2.12', 'wasi:http/handler@0.3.0']], denies: 'http: deny', capability: 'http', grants: 'http: host' },
  { app: hello, renames: [['wasi:clocks/wall-clock@0.2.12', 'wasi:clocks/system-clock@0.3.0']], denies: 'clocks:\n  wall: deny', capability: 'the wall clock', grants: 'clocks:\n  wall: host' },
];

for (const { app, renames, denies, capability, grants } of CASES) {
  const to = renames[0][1];
  test(`\`${to}\` under \`${denies.replace(/\n\s*/, ' ')}\` refuses the build and names it`, async () => {
    const renamed = await renameInterfaces(app, renames);
    const error = await compositionError(buildWith(`version: 1\n${denies}\n`, renamed));
    assert.ok(renames.some(([, name]) => name === error.subject), error.subject);
    assert.match(error.message, `\`${to}\`: WASI 0.3.0 is not virtualized yet, and the manifest denies ${capability}`);
  });

  test(`\`${to}\` passes to the host where the manifest grants ${capability}, and the audit says so`, async () => {
    const renamed = await renameInterfaces(app, renames);
    const { component, audit } = await buildWith(`version: 1\n${grants}\n`, renamed);
    assert.ok(readComponent(component).imports.some((i) => i.name === to));
    assert.is(audit.lines.find((l) => l.interface === to).status, 'host');
  });
}

test('a virtual wall clock refuses a 0.3 system clock too', async () => {
  const renamed = await renameInterfaces(hello, [['wasi:clocks/wall-clock@0.2.12', 'wasi:clocks/system-clock@0.3.0']]);
  const error = await compositionError(buildWith('version: 1\ndeterministic: true\n', renamed));
  assert.match(error.message, 'the manifest virtualizes the wall clock');
});

test('a WASI interface of a package virt has no policy for is refused, and a non-WASI one passes', async () => {
  const renamed = await renameInterfaces(hello, [['wasi:clocks/wall-clock@0.2.12', 'wasi:keyvalue/store@0.2.0']]);
  const error = await compositionError(buildWith('version: 1\n', renamed));
  assert.match(error.message, '`wasi:keyvalue/store@0.2.0`: virt knows no capability of this WASI interface, so the manifest cannot grant it');
  const custom = await renameInterfaces(hello, [['wasi:clocks/wall-clock@0.2.12', 'acme:clock/store@0.2.0']]);
  const { audit } = await buildWith('version: 1\n', custom);
  assert.is(audit.lines.find((l) => l.interface === 'acme:clock/store@0.2.0').status, 'host');
});

test('every refused import is named in one message', async () => {
  const renamed = await renameInterfaces(netProbe, [...CASES[0].renames, ...CASES[1].renames]);
  const error = await compositionError(buildWith('version: 1\n', renamed));
  assert.match(error.message, /`wasi:sockets\/types@0\.3\.0`: .*; `wasi:http\/client@0\.3\.0`: /);
});

test('virt inspect --manifest shows a refused import as refused', async () => {
  const renamed = await renameInterfaces(netProbe, CASES[0].renames);
  const lines = await inspectPolicy(planFromManifest('version: 1\n', 'virt.yaml'), renamed);
  const line = lines.find((l) => l.interface === 'wasi:sockets/types@0.3.0');
  assert.is(line.status, 'refused');
  assert.match(line.detail, 'the manifest denies sockets');
});

test('the CLI refuses with exit 2, names the interface, and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virt-fail-closed-'));
  writeFileSync(join(dir, 'virt.yaml'), 'version: 1\nsockets: deny\n');
  writeFileSync(join(dir, 'app.wasm'), await renameInterfaces(netProbe, CASES[0].renames));
  const { status, stderr } = cli(['build', join(dir, 'virt.yaml'), join(dir, 'app.wasm'), '-o', join(dir, 'out.wasm')]);
  assert.is(status, 2);
  assert.match(stderr, /^virt: error: refusing to build: `wasi:sockets\//m);
  assert.match(stderr, '`wasi:sockets/types@0.3.0`: WASI 0.3.0 is not virtualized yet, and the manifest denies sockets');
  assert.not.ok(existsSync(join(dir, 'out.wasm')));
});

test.run();
