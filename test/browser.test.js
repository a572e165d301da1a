// `virt bundle` in real Chromium: each case builds with `virt build`, bundles
// with `virt bundle`, loads the page and asserts on what the guest printed
// and its exit code. Any page error, unhandled rejection, console error or
// failed request fails the case.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cli, fixture, root, runCommand } from './helpers.js';
import { launchBrowser, openBundle, serve, withPage } from './browser.js';

const work = mkdtempSync(join(tmpdir(), 'virt-browser-'));
let browser;
let server;

test.before(async () => {
  browser = await launchBrowser();
  server = await serve(work);
});

test.after(async () => {
  await browser?.close();
  await server?.close();
});

// `virt build` then `virt bundle` into `work/<name>/`; returns the output component's path.
function buildAndBundle(name, yaml, app, { files = {}, singleFile = false, dir = join(work, `${name}-src`) } = {}) {
  mkdirSync(dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, 'virt.yaml'), yaml);
  const output = join(dir, `${name}.virt.wasm`);
  const built = cli(['build', join(dir, 'virt.yaml'), join(root, 'test/fixtures', app), '-o', output, '-q']);
  assert.is(built.status, 0, built.stderr);
  const target = singleFile ? join(work, `${name}.html`) : join(work, name);
  const bundled = cli(['bundle', output, '-o', target, ...(singleFile ? ['--single-file'] : [])]);
  assert.is(bundled.status, 0, bundled.stderr);
  assert.match(bundled.stderr, `wrote \`${target}\``);
  return output;
}

async function load(path) {
  const result = await openBundle(browser, path.startsWith('file:') ? path : server.url(path));
  assert.equal(result.errors, [], result.errors.join('\n'));
  return result;
}

test('env and args: fixed variables, and each ?arg= after argv[0]; the glue with multi-memory is the one loaded', async () => {
  buildAndBundle('env-print', 'version: 1\nenv:\n  vars: { HOME: /home/app, LANG: C.UTF-8 }\n  args: host\n', 'apps/env-print.wasm');
  const page = await load('env-print/index.html?arg=one&arg=two%20words');
  assert.is(page.stdout, 'env HOME=/home/app\nenv LANG=C.UTF-8\narg 0 env-print\narg 1 one\narg 2 two words\ncwd /\n');
  assert.is(page.exitCode, '0');
  assert.ok(server.requests.includes('/env-print/env-print.glue-mm.js'), server.requests.join(' '));
  assert.not.ok(server.requests.includes('/env-print/env-print.glue.js'));
});

test('a failing guest: the page shows the exit code that `virt run` gives', async () => {
  const output = buildAndBundle('exit-three', 'version: 1\nenv:\n  vars: { EXIT_CODE: "3" }\n', 'apps/env-print.wasm');
  const page = await load('exit-three/index.html');
  assert.match(page.stdout, 'env EXIT_CODE=3\n');
  // main's 3 reaches WASI as exit-with-code(3) through virt's preview-1 layer, in the page as on Node.
  assert.is(page.exitCode, '3');
  assert.is((await runCommand(new Uint8Array(readFileSync(output)))).exitCode, 3);
});

test('a trap shows exit code 134 and the trap, as virt run reports it', async () => {
  buildAndBundle('trap', 'version: 1\nexit: deny\nenv:\n  vars: { EXIT_CODE: "3" }\n', 'apps/env-print.wasm');
  const page = await load('trap/index.html');
  assert.is(page.exitCode, '134');
  assert.match(page.stderr, /trapped: .*unreachable.* in `exit-denied-by-manifest`/);
});

test('an embedded tree with a symlink, an inline file and a writable /tmp (examples/files)', async () => {
  const files = join(work, 'files-src');
  cpSync(join(root, 'examples/files'), files, { recursive: true, verbatimSymlinks: true });
  const yaml = readFileSync(join(files, 'virt.yaml'), 'utf8');
  buildAndBundle('files', yaml, '../../examples/files/app.wasm', { dir: files });
  const link = await load('files/index.html?arg=/site/guide-link');
  assert.is(link.stdout, readFileSync(join(root, 'examples/files/site/docs/guide.txt'), 'utf8'));
  assert.is((await load('files/index.html?arg=/etc/motd')).stdout, 'no host files here\n');
  const missing = await load('files/index.html?arg=/etc/passwd');
  assert.is(missing.stdout, 'cannot open /etc/passwd: No such file or directory\n');
  assert.is(missing.exitCode, '1');
  buildAndBundle('symlink', yaml, 'apps/symlink.wasm', { dir: files });
  const made = await load('symlink/index.html?arg=../site/index.txt&arg=/tmp/link');
  assert.is(made.stdout, '/tmp/link -> ../site/index.txt: ok\n');
  const nowhere = await load('symlink/index.html?arg=index.txt&arg=/nowhere/link');
  assert.is(nowhere.exitCode, '1');
});

test('examples/browser/index.html runs the files bundle from a page of its own, once per click', async () => {
  // The files bundle of the case before is at work/files/, where the example page looks for it.
  cpSync(join(root, 'examples/browser/index.html'), join(work, 'example.html'));
  await withPage(browser, async (page, errors) => {
    await page.goto(server.url('example.html'));
    const cat = async (path) => {
      await page.$eval('#path', (input, value) => { input.value = value; }, path);
      await page.click('button');
      await page.waitForFunction(() => document.getElementById('out').textContent.includes('(exit code'));
      return page.$eval('#out', (e) => e.textContent);
    };
    assert.is(await cat('/etc/motd'), 'no host files here\n\n(exit code 0)');
    assert.is(await cat('/etc/passwd'), 'cannot open /etc/passwd: No such file or directory\n\n(exit code 1)');
    assert.equal(errors, []);
  });
});

test('the filesystem workout prints in the page what `virt run` prints on Node', async () => {
  const files = { 'tree/hello.txt': 'hello\n', 'tree/sub/a.txt': 'a\n' };
  const output = buildAndBundle('workout', 'version: 1\nfilesystem:\n  writable: true\n  mounts:\n    /data: { embed: ./tree }\n', 'apps/fs-workout.wasm', { files });
  const node = await runCommand(new Uint8Array(readFileSync(output)), { args: ['workout'] });
  assert.is(node.exitCode, 0, node.stderr);
  const page = await load('workout/index.html');
  assert.is(page.exitCode, '0');
  assert.fixture(page.stdout, node.stdout);
  assert.match(page.stdout, 'rename file over dir: EISDIR');
  // The glue for engines without multi-memory (with virt's bulk list copies) prints the same.
  const baseline = await load('workout/index.html?glue=baseline');
  assert.fixture(baseline.stdout, node.stdout);
  assert.ok(server.requests.includes('/workout/workout.glue.js'), 'the baseline glue was loaded');
});

test('deterministic: true with sleeps and clocks prints the same on two loads, and the same as on Node', async () => {
  const output = buildAndBundle('clocks', 'version: 1\ndeterministic: true\n', 'apps/clocks.wasm');
  const first = await load('clocks/index.html');
  const second = await load('clocks/index.html');
  assert.is(first.exitCode, '0');
  assert.match(first.stdout, /^time 946684800\n/);
  assert.match(first.stdout, /\nslept 10000001000\n/);
  assert.is(second.stdout, first.stdout);
  assert.is(first.stdout, (await runCommand(new Uint8Array(readFileSync(output)), { args: ['clocks'] })).stdout);
  buildAndBundle('sleeps', 'version: 1\ndeterministic: true\n', 'apps/sleeps.wasm');
  const sleeps = await load('sleeps/index.html');
  assert.is(sleeps.stdout, 'woke 1: 5 after 5 s\nwoke 1: 10 after 10 s\n');
});

test('sockets: deny and http: deny answer with their error codes', async () => {
  buildAndBundle('net', 'version: 1\nsockets: deny\nhttp: deny\n', 'apps/net-command.wasm');
  const page = await load('net/index.html');
  assert.is(page.stdout, 'tcp: access-denied\nudp: access-denied\nresolve: permanent-resolver-failure\nhttp: error case 15\n');
  assert.is(page.exitCode, '0');
});

test('the page shows output as the guest writes it: the guest runs in a worker, not on the page\'s thread', async () => {
  // The Rust app prints its lines, sleeps 100 ms on the host clock, then prints `slept enough`.
  buildAndBundle('rust', 'version: 1\n', 'corpus/rust-app.wasm');
  await withPage(browser, async (page, errors) => {
    await page.evaluateOnNewDocument(() => {
      // When stdout first shows text, and when the exit code shows.
      window.seen = {};
      new MutationObserver(() => {
        const now = performance.now();
        if (document.getElementById('stdout')?.textContent) window.seen.output ??= now;
        if (document.getElementById('exit-code')?.textContent) window.seen.exit ??= now;
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    await page.goto(server.url('rust/index.html'));
    await page.waitForFunction(() => window.seen.exit !== undefined, { timeout: 60000 });
    const { output, exit } = await page.evaluate(() => window.seen);
    assert.match(await page.$eval('#stdout', (e) => e.textContent), /^args rust\n[\s\S]*slept enough\n$/);
    assert.ok(exit - output >= 50, `the first output showed ${(exit - output).toFixed(0)} ms before the exit code, not during the 100 ms sleep`);
    assert.equal(errors, []);
  });
});

test('stdin text reaches the guest; stderr is shown apart from stdout', async () => {
  buildAndBundle('stdio', 'version: 1\nstdio:\n  stdin: { text: "from the manifest" }\n', 'apps/stdio.wasm');
  const page = await load('stdio/index.html');
  assert.is(page.stdout, 'read 17 bytes: [from the manifest]\nstdout ok, stderr ok\n');
  assert.is(page.stderr, 'stderr line\n');
});

test('two bundles on one page: each run has its own args, env, stdin and output', async () => {
  buildAndBundle('two-a', 'version: 1\nenv:\n  host: all\n', 'apps/env-print.wasm');
  buildAndBundle('two-b', 'version: 1\n', 'apps/stdio.wasm');
  writeFileSync(join(work, 'two.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<pre id="a"></pre><pre id="b"></pre><pre id="stdout"></pre><pre id="exit-code"></pre>
<script type="module">
import { run as runA } from './two-a/two-a.js';
import { run as runB } from './two-b/two-b.js';
const into = (id) => { const d = new TextDecoder(); return (bytes) => { document.getElementById(id).textContent += d.decode(bytes, { stream: true }); }; };
const results = await Promise.all([
  runA({ args: ['a', 'first'], env: { WHO: 'a' }, stdout: into('a'), stderr: into('a') }),
  runB({ args: ['b'], stdin: 'input of b', stdout: into('b'), stderr: into('b') }),
  runA({ args: ['a2'], env: [['WHO', 'again']], stdout: into('a'), stderr: into('a') }),
]);
document.getElementById('exit-code').textContent = results.map((r) => r.exitCode).join(',');
</script>`);
  const page = await openBundle(browser, server.url('two.html'), { also: ['a', 'b'] });
  assert.equal(page.errors, []);
  assert.is(page.exitCode, '0,0,0');
  assert.is(page.texts.a, 'env WHO=a\narg 0 a\narg 1 first\ncwd /\nenv WHO=again\narg 0 a2\ncwd /\n');
  assert.is(page.texts.b, 'stderr line\nread 10 bytes: [input of b]\nstdout ok, stderr ok\n');
});

test('--single-file: one page that runs opened from file://', async () => {
  buildAndBundle('hello', readFileSync(join(root, 'examples/hello/virt.yaml'), 'utf8'), 'apps/hello.wasm', { singleFile: true });
  assert.equal(readdirSync(work).filter((f) => f.startsWith('hello.')), ['hello.html']);
  const page = await load(pathToFileURL(join(work, 'hello.html')).href);
  assert.is(page.stdout, 'hello from /home/app (LANG=C.UTF-8)\n');
  assert.is(page.exitCode, '0');
});

test('a folder bundle opened from file:// says to serve it or to use --single-file', async () => {
  assert.ok(existsSync(join(work, 'stdio/index.html')));
  await withPage(browser, async (page) => {
    await page.goto(pathToFileURL(join(work, 'stdio/index.html')).href);
    assert.match(await page.$eval('#stdout', (e) => e.textContent), 'serve the folder (python3 -m http.server), or make one self-contained page with virt bundle --single-file');
  });
});

test('a fully virtual output: the bundle serves only stdout, stderr, exit and wasi:io, and prints the embedded file', async () => {
  const sealed = join(work, 'sealed-src');
  cpSync(join(root, 'test/fixtures/sealed'), sealed, { recursive: true });
  buildAndBundle('sealed', readFileSync(join(sealed, 'virt.yaml'), 'utf8'), 'apps/cat.wasm', { files: { 'note.txt': readFileSync(join(sealed, 'note.txt'), 'utf8') } });
  const entry = readFileSync(join(work, 'sealed/sealed.js'), 'utf8');
  const interfaces = JSON.parse(/"interfaces":(\[[^\]]*\])/.exec(entry)[1]);
  const allowed = ['wasi:cli/exit', 'wasi:cli/stderr', 'wasi:cli/stdout', 'wasi:io/error', 'wasi:io/poll', 'wasi:io/streams'];
  assert.ok(interfaces.every((i) => allowed.includes(i)), interfaces.join(', '));
  assert.ok(interfaces.includes('wasi:cli/stdout'));
  const page = await load('sealed/index.html');
  assert.is(page.stdout, 'embedded text\n');
  assert.is(page.exitCode, '0');
});

test.run();
