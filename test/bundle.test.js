// `virt bundle` without a browser: what it writes, and each refusal with its
// message and exit code. (test/browser.test.js runs the bundles in Chromium.)
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browserInterfaces, bundle } from '../dist/index.js';
import { parseWat } from '../dist/jco/jco.js';
import { buildWith, cli, fixture, root } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'virt-bundle-'));

async function output(name, yaml, app = 'apps/env-print.wasm') {
  const { component } = await buildWith(yaml, fixture(app));
  const path = join(work, `${name}.virt.wasm`);
  writeFileSync(path, component);
  return path;
}

test('a folder: the page, the module named after the output, the host, both glues and the core modules', async () => {
  const path = await output('env', 'version: 1\n');
  const dir = join(work, 'env-bundle');
  const result = cli(['bundle', path, '-o', dir]);
  assert.is(result.status, 0, result.stderr);
  assert.match(result.stderr, 'virt: transpiling with jco for engines without Wasm multi-memory');
  assert.match(result.stderr, `virt: serve it over HTTP and open index.html, e.g. (cd ${dir} && python3 -m http.server)`);
  const files = readdirSync(dir);
  for (const file of ['index.html', 'env.js', 'env.glue.js', 'env.glue-mm.js', 'virt-browser-host.js', 'env.core.wasm']) assert.ok(files.includes(file), file);
  assert.match(readFileSync(join(dir, 'index.html'), 'utf8'), "entry: new URL('./env.js', location.href).href");
  // Bundling again into the same folder replaces the files and leaves no staging folder beside it.
  assert.is(cli(['bundle', path, '-o', dir, '-q']).status, 0);
  assert.equal(readdirSync(work).filter((f) => f.includes('virt-bundle-')), []);
});

test('--name sets the files\' prefix; a name that is no file name prefix is refused', async () => {
  const path = await output('named', 'version: 1\n');
  assert.is(cli(['bundle', path, '-o', join(work, 'named'), '--name', 'tool', '-q']).status, 0);
  assert.ok(existsSync(join(work, 'named/tool.js')));
  const bad = cli(['bundle', path, '-o', join(work, 'bad-name'), '--name', '../up']);
  assert.is(bad.status, 2);
  assert.match(bad.stderr, 'the name `../up` is not a file name prefix: use letters, digits, `.`, `_` and `-`');
  assert.not.ok(existsSync(join(work, 'bad-name')));
});

const REFUSALS = [
  ['filesystem: host', 'version: 1\nfilesystem: host\n', 'wasi:filesystem/preopens@0.2.12`: a browser has no host filesystem'],
  ['a host: mount', 'version: 1\nfilesystem:\n  mounts:\n    /data: { host: /data }\n', 'wasi:filesystem/types@0.2.12`: a browser has no host filesystem: the manifest passes the host\'s through (`filesystem: host` or a `host:` mount); embed the files or mount `memory: {}` instead'],
];

for (const [what, yaml, message] of REFUSALS) {
  test(`${what}: refused with exit 2, naming the import, and nothing written`, async () => {
    const path = await output(what.replace(/\W+/g, '-'), yaml);
    const dir = join(work, `refused-${what.replace(/\W+/g, '-')}`);
    const result = cli(['bundle', path, '-o', dir]);
    assert.is(result.status, 2);
    assert.match(result.stderr, 'virt: error: cannot bundle this component for the browser:\n');
    assert.match(result.stderr, message);
    assert.not.ok(existsSync(dir));
  });
}

test('host sockets and HTTP are refused, each import named', async () => {
  const path = await output('net', 'version: 1\nsockets: host\nhttp: host\n', 'apps/net-command.wasm');
  const result = cli(['bundle', path, '--single-file', '-o', join(work, 'net.html')]);
  assert.is(result.status, 2);
  assert.match(result.stderr, '`wasi:sockets/tcp@0.2.12`: a page cannot open sockets: the manifest grants host sockets; use `sockets: deny`');
  assert.match(result.stderr, '`wasi:http/outgoing-handler@0.2.12`: virt\'s browser host has no HTTP: the manifest passes `wasi:http` to the host; use `http: deny`');
  assert.not.ok(existsSync(join(work, 'net.html')));
});

test('a library, and an app not built by virt, are refused with what is missing', async () => {
  const library = cli(['bundle', join(root, 'test/fixtures/apps/library.wasm'), '-o', join(work, 'library')]);
  assert.is(library.status, 2);
  assert.match(library.stderr, 'the component exports no `wasi:cli/run@0.2`: a bundle runs commands (its exports: ');
  const bare = cli(['bundle', join(root, 'test/fixtures/apps/hello.wasm'), '-o', join(work, 'bare')]);
  assert.is(bare.status, 2);
  assert.match(bare.stderr, '`wasi:filesystem/preopens@0.2.12`: a browser has no host filesystem');
});

test('an interface the browser host does not serve, and WASI 0.3, are refused by name', async () => {
  const component = await parseWat('(component (import "wasi:cli/stdout@0.3.0" (instance)) (import "acme:tools/log@1.0.0" (instance)) (import "wasi:io/streams@0.2.0" (instance)))');
  const error = (() => {
    try {
      return browserInterfaces(component);
    } catch (e) {
      return e;
    }
  })();
  assert.is(error.name, 'BundleError');
  assert.equal(error.problems, [
    "`wasi:cli/stdout@0.3.0`: virt's browser host does not serve it (it serves WASI 0.2 cli, clocks, io and random)",
    "`acme:tools/log@1.0.0`: virt's browser host does not serve it (it serves WASI 0.2 cli, clocks, io and random)",
    'the component exports no `wasi:cli/run@0.2`: a bundle runs commands (its exports: none)',
  ]);
});

test('usage errors: exit 2 with the usage, the kind of -o, and an unreadable component', async () => {
  const path = await output('usage', 'version: 1\n');
  const missing = cli(['bundle', path]);
  assert.is(missing.status, 2);
  assert.match(missing.stderr, 'usage: virt bundle <component.wasm> -o <dir> [--name NAME], or virt bundle <component.wasm> --single-file -o <page.html>');
  writeFileSync(join(work, 'a-file'), 'x');
  const notDir = cli(['bundle', path, '-o', join(work, 'a-file')]);
  assert.is(notDir.status, 2);
  assert.match(notDir.stderr, 'is a file: virt bundle writes a folder (or pass --single-file for one page)');
  mkdirSync(join(work, 'a-dir'), { recursive: true });
  const notFile = cli(['bundle', path, '--single-file', '-o', join(work, 'a-dir')]);
  assert.is(notFile.status, 2);
  assert.match(notFile.stderr, 'is a directory: --single-file writes one page, such as -o ');
  const self = cli(['bundle', path, '--single-file', '-o', path]);
  assert.is(self.status, 2);
  assert.match(self.stderr, 'is the component: write the output somewhere else');
  writeFileSync(join(work, 'junk.wasm'), 'not wasm');
  const junk = cli(['bundle', join(work, 'junk.wasm'), '-o', join(work, 'junk')]);
  assert.is(junk.status, 2);
  assert.match(junk.stderr, 'junk.wasm');
});

test('the library API: bundle() returns the files, a single page under <name>.html', async () => {
  const { component } = await buildWith('version: 1\n', fixture('apps/hello.wasm'));
  const { files } = await bundle(component, { name: 'hi', singleFile: true });
  assert.equal([...files.keys()], ['hi.html']);
  const html = new TextDecoder().decode(files.get('hi.html'));
  assert.match(html, '<pre id="stdout"></pre>');
  assert.not.match(html.slice(html.indexOf('<script type="module">') + 1), /<\/script>[\s\S]*<script type="module">/);
});

test.run();
