import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { build, hostImports, load, readComponent } from '../dist/index.js';
import { buildWith, cacheDir, compositionError, fixture, instantiate, renameInterfaces, root, runCommand } from './helpers.js';

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

test('deny is the default, and the output imports nothing from wasi:sockets or wasi:http', async () => {
  const { component, audit } = await buildWith('version: 1\n', probe);
  const names = imports(component);
  assert.not.ok(names.some((n) => n.startsWith('wasi:sockets/')), names.join(', '));
  assert.not.ok(names.some((n) => n.startsWith('wasi:http/')), names.join(', '));
  assert.match(audit.lines.find((l) => l.interface === 'wasi:http/types@0.2.12').detail, 'none: requests can be built and are denied');
  assert.equal(audit.violations, []);
  for (const id of ['tcp', 'udp', 'ip-name-lookup', 'network', 'instance-network']) {
    assert.is(audit.lines.find((l) => l.interface === `wasi:sockets/${id}@0.2.12`).status, 'virtualized');
  }
});

test('an app that imports sockets runs with sockets: deny on a host that has no sockets at all', async () => {
  const { component } = await buildWith('version: 1\nsockets: deny\nhttp: deny\n', probe);
  const bare = hostImports();
  const noNetwork = Object.fromEntries(Object.entries(bare).filter(([name]) => !name.startsWith('wasi:sockets/') && !name.startsWith('wasi:http/')));
  const app = await (await load(component, { cacheDir })).instantiate(noNetwork);
  assert.is(app.answer(41), 42);
  assert.match(app.probeSockets(), 'tcp: access-denied');
  // The request is built from virt's own HTTP types, with a scheme, authority and path set, and denied.
  assert.is(app.httpGet(false, '127.0.0.1:9', false), 'http: error case 15');
});

test('a componentize-js app (which always imports wasi:http/types) fetches under http: deny, and the output imports no wasi:http', async () => {
  const js = fixture('corpus/js-app.wasm');
  const { component } = await buildWith('version: 1\nenv:\n  vars: { FETCH_URL: "http://127.0.0.1:9/" }\n', js);
  // So it runs on hosts without wasi:http (wasmtime without -S http, a page with no HTTP shim).
  assert.not.ok(imports(component).some((n) => n.startsWith('wasi:http/')), imports(component).join(', '));
  const { stdout, exitCode } = await runCommand(component);
  assert.is(exitCode, 0);
  assert.match(stdout, /^fetch error fetch_https: /m);
  assert.match(stdout, /^now \d+$/m, 'the app goes on after the denied fetch');
});

test('virt refuses to virtualize a resource that an interface it leaves to the host uses', async () => {
  // A custom interface that uses wasi:sockets/network's `network` cannot keep working once virt owns `network`.
  const custom = await renameInterfaces(probe, [['wasi:sockets/ip-name-lookup@0.2.12', 'acme:sockets/lookup@1.0.0']]);
  const error = await compositionError(buildWith('version: 1\nsockets: deny\n', custom));
  assert.match(error.message, '`acme:sockets/lookup@1.0.0` passes to the host, but it uses `network` of `wasi:sockets/network@0.2.12`, which virt provides under this manifest');
});

test('a unit whose interfaces the app renamed in part is a composition error, not an internal one', async () => {
  const custom = await renameInterfaces(probe, [['wasi:sockets/tcp@0.2.12', 'acme:sockets/tcp@1.0.0']]);
  const error = await compositionError(buildWith('version: 1\nsockets: deny\n', custom));
  assert.match(error.message, 'cannot build the null-sockets unit for `wasi:sockets/network@0.2.12`');
  assert.match(error.message, 'interface or world `tcp` does not exist');
});

test('sockets: host passes the host sockets through', async () => {
  const { component } = await buildWith('version: 1\nsockets: host\n', probe);
  assert.ok(imports(component).includes('wasi:sockets/tcp-create-socket@0.2.12'));
  const app = await instantiate(component);
  assert.match(app.probeSockets(), 'tcp: ok\nudp: ok\n');
});

/** A child-process server (see test/*-server.js); `lines` collects what it prints after its port. */
async function server(script) {
  const child = spawn(process.execPath, [join(root, 'test', script)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let listening = false;
  const port = await new Promise((resolve) => {
    child.stdout.on('data', (data) => {
      for (const line of String(data).trim().split('\n')) {
        if (listening) lines.push(line);
        else resolve(Number(line));
        listening = true;
      }
    });
  });
  // The child's output arrives only once the event loop runs again, after the guest returns.
  const settled = async (count) => {
    for (let i = 0; i < 50 && lines.length < count; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    return lines;
  };
  return { port, settled, close: () => child.stdin.end() };
}

test('http: host makes a real request; http: deny never reaches the server', async () => {
  const http = await server('http-server.js');
  try {
    const open = await instantiate((await buildWith('version: 1\nhttp: host\n', probe)).component);
    assert.is(open.httpGet(false, `127.0.0.1:${http.port}`, true), 'http: status 204');
    assert.equal(await http.settled(1), [`GET 127.0.0.1:${http.port}/`]);
    const closed = await instantiate((await buildWith('version: 1\nhttp: deny\n', probe)).component);
    assert.is(closed.httpGet(false, `127.0.0.1:${http.port}`, true), 'http: error case 15');
    assert.equal(await http.settled(2), [`GET 127.0.0.1:${http.port}/`]);
  } finally {
    http.close();
  }
});

test('http allow-list: a listed origin reaches the server; another authority or scheme is HTTP-request-denied', async () => {
  const http = await server('http-server.js');
  try {
    // Many origins: the unit's constant data grows past its first page.
    const filler = Array.from({ length: 3000 }, (_, i) => `"https://host-${i}.example.com"`).join(', ');
    const { component, audit } = await buildWith(`version: 1\nhttp: { allow: [${filler}, "http://127.0.0.1:${http.port}", "https://api.example.com"] }\n`, probe);
    assert.match(audit.lines.find((l) => l.interface === 'wasi:http/outgoing-handler@0.2.12').detail, `http://127.0.0.1:${http.port}, https://api.example.com only`);
    const app = await instantiate(component);
    assert.is(app.httpGet(false, `127.0.0.1:${http.port}`, true), 'http: status 204');
    assert.is(app.httpGet(false, `localhost:${http.port}`, true), 'http: error case 15');
    assert.is(app.httpGet(true, `127.0.0.1:${http.port}`, true), 'http: error case 15');
    assert.equal(await http.settled(2), [`GET 127.0.0.1:${http.port}/`]);
  } finally {
    http.close();
  }
});

function echoServer() {
  return server('echo-server.js');
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

test('sockets allow-list over UDP: connected and per-datagram destinations are checked', async () => {
  const udp = await server('udp-echo-server.js');
  try {
    const { component } = await buildWith('version: 1\nsockets: { allow: ["127.0.0.1:*"] }\n', probe);
    const app = await instantiate(component);
    assert.is(app.udpEcho(1, udp.port, 'connected', true), 'echo: connected');
    assert.is(app.udpEcho(1, udp.port, 'addressed', false), 'echo: addressed');
    assert.is(app.udpEcho(2, udp.port, 'elsewhere', true), 'stream: access-denied');
    assert.is(app.udpEcho(2, udp.port, 'elsewhere', false), 'send: access-denied');
  } finally {
    udp.close();
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

// Behind virt's io group (which stdio policies and the virtual filesystem bring in), every network policy
// still works: the group forwards wasi:http's types, and host sockets and HTTP, wrapping their streams.
const grouped = (source) => build({ manifest: { source, file: 'virt.yaml' }, app: probe, io: 'virt' });

test('behind the io group: host HTTP and host sockets work, and http: deny still denies', async () => {
  const http = await server('http-server.js');
  try {
    const open = await grouped('version: 1\nhttp: host\nsockets: host\n');
    assert.match(open.audit.lines.find((l) => l.interface === 'wasi:http/types@0.2.12').detail, "forwarded to the host through virt's io group");
    const app = await instantiate(open.component);
    // Twice: the second request's handles no longer coincide with their reps.
    assert.is(app.httpGet(false, `127.0.0.1:${http.port}`, true), 'http: status 204');
    assert.is(app.httpGet(false, `127.0.0.1:${http.port}`, true), 'http: status 204');
    assert.match(app.probeSockets(), 'tcp: ok\nudp: ok\n');
    const closed = await instantiate((await grouped('version: 1\nhttp: deny\n')).component);
    assert.is(closed.httpGet(false, `127.0.0.1:${http.port}`, true), 'http: error case 15');
    assert.equal(await http.settled(2), [`GET 127.0.0.1:${http.port}/`, `GET 127.0.0.1:${http.port}/`]);
  } finally {
    http.close();
  }
});

test('behind the io group: the HTTP and sockets allow-lists let through exactly what they list', async () => {
  const http = await server('http-server.js');
  const allowed = await echoServer();
  const other = await echoServer();
  try {
    const { component } = await grouped(`version: 1\nhttp: { allow: ["http://127.0.0.1:${http.port}"] }\nsockets: { allow: ["127.0.0.1:${allowed.port}"] }\n`);
    const app = await instantiate(component);
    assert.is(app.httpGet(false, `127.0.0.1:${http.port}`, true), 'http: status 204');
    assert.is(app.httpGet(false, `localhost:${http.port}`, true), 'http: error case 15');
    assert.equal(await http.settled(1), [`GET 127.0.0.1:${http.port}/`]);
    assert.is(app.tcpEcho(allowed.port, 'through the group'), 'echo: through the group');
    assert.is(app.tcpEcho(other.port, 'hello'), 'connect: access-denied');
  } finally {
    http.close();
    allowed.close();
    other.close();
  }
});

test.run();
