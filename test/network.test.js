import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { hostImports, load, readComponent } from '../dist/index.js';
import { buildWith, cacheDir, fixture, instantiate, root } from './helpers.js';

const probe = fixture('apps/net-probe.wasm');

function imports(component) {
  return readComponent(component).imports.map((i) => i.name);
}

test('sockets: deny answers each call with the error code WASI defines', async () => {
  const { component } = await buildWith('version: 1\nsockets: deny\n', probe);
  const app = await instantiate(component);
  assert.is(app.probeSockets(), 'tcp: access-denied\nudp: access-denied\nresolve: permanent-resolver-failure\n');
});

test('http: deny returns HTTP-request-denied', async () => {
  const { component } = await buildWith('version: 1\nhttp: deny\n', probe);
  const app = await instantiate(component);
  // Case 15 of wasi:http/types error-code is HTTP-request-denied.
  assert.is(app.probeHttp(), 'http: error case 15\n');
});

test('deny is the default, and the output imports nothing from wasi:sockets or the outgoing handler', async () => {
  const { component, audit } = await buildWith('version: 1\n', probe);
  const names = imports(component);
  assert.not.ok(names.some((n) => n.startsWith('wasi:sockets/')), names.join(', '));
  assert.not.ok(names.some((n) => n.startsWith('wasi:http/outgoing-handler')), names.join(', '));
  assert.equal(audit.violations, []);
  for (const id of ['tcp', 'udp', 'ip-name-lookup', 'network', 'instance-network']) {
    assert.is(audit.lines.find((l) => l.interface === `wasi:sockets/${id}@0.2.12`).status, 'virtualized');
  }
});

test('an app that imports sockets runs with sockets: deny on a host that has no sockets at all', async () => {
  const { component } = await buildWith('version: 1\nsockets: deny\nhttp: deny\n', probe);
  const bare = hostImports();
  const noNetwork = Object.fromEntries(Object.entries(bare).filter(([name]) => !name.startsWith('wasi:sockets/') && name !== 'wasi:http/outgoing-handler'));
  const app = await (await load(component, cacheDir)).instantiate(noNetwork);
  assert.is(app.answer(41), 42);
  assert.match(app.probeSockets(), 'tcp: access-denied');
});

test('sockets: host passes the host sockets through', async () => {
  const { component } = await buildWith('version: 1\nsockets: host\n', probe);
  assert.ok(imports(component).includes('wasi:sockets/tcp-create-socket@0.2.12'));
  const app = await instantiate(component);
  assert.match(app.probeSockets(), 'tcp: ok\nudp: ok\n');
});

async function echoServer() {
  const server = spawn(process.execPath, [join(root, 'test/echo-server.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = Number(await new Promise((resolve) => server.stdout.once('data', (d) => resolve(String(d).trim()))));
  return { port, close: () => server.stdin.end() };
}

test('sockets allow-list: the listed destination exchanges real bytes, another is access-denied', async () => {
  const allowed = await echoServer();
  const other = await echoServer();
  try {
    const { component, audit } = await buildWith(`version: 1\nsockets: { allow: ["127.0.0.1:${allowed.port}", "10.0.0.0/8:443", "[::1]:*"] }\n`, probe);
    assert.match(audit.lines.find((l) => l.interface === 'wasi:sockets/tcp@0.2.12').detail, `host, for 127.0.0.1:${allowed.port}, 10.0.0.0/8:443, [::1]:* only; dns deny`);
    const app = await instantiate(component);
    assert.is(app.tcpEcho(allowed.port, 'hello through virt'), 'echo: hello through virt');
    assert.is(app.tcpEcho(other.port, 'hello'), 'connect: access-denied');
    // dns: deny is the default with an allow-list.
    assert.match(app.probeSockets(), 'resolve: permanent-resolver-failure');
  } finally {
    allowed.close();
    other.close();
  }
});

test('sockets allow-list: a CIDR range and any port', async () => {
  const server = await echoServer();
  try {
    const { component } = await buildWith('version: 1\nsockets: { allow: ["127.0.0.0/8:*"], dns: host }\n', probe);
    const app = await instantiate(component);
    assert.is(app.tcpEcho(server.port, 'range'), 'echo: range');
    assert.match(app.probeSockets(), 'resolve: ok');
  } finally {
    server.close();
  }
});

test.run();
