import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { patchGlue } from '../dist/jco/glue-patch.js';
import { transpile } from '../dist/jco/jco.js';
import { bulkListCopies } from '../dist/jco/list-copy-patch.js';
import { build, hostImports, load, nodeFiles, run } from '../dist/index.js';
import { buildWith, cacheDir, cli, fixture } from './helpers.js';

test("jco's JSPI probes become typeof checks, its fresh memory views cached ones, and its debug switch is read once, in the cached glue", async () => {
  const app = fixture('apps/env-print.wasm');
  const files = await transpile(app, 'component');
  const original = new TextDecoder().decode(files['component.js']);
  const { js, probes, views, debugLogs } = patchGlue(original);
  assert.is(debugLogs, 1, 'no debug switch found: has jco changed its glue? then drop that rewrite from src/jco/glue-patch.ts');
  assert.not.match(js, 'if (!globalThis?.process?.env?.JCO_DEBUG) { return; }');
  assert.ok(probes >= 1, 'no JSPI probe found: has jco changed its glue? then drop that rewrite from src/jco/glue-patch.ts');
  assert.ok(views >= 1, 'no fresh DataView of a memory found: has jco changed its glue?');
  assert.not.match(js, /try\s*\{\s*[\w$]+\s*=\s*WebAssembly\.promising/);
  assert.is(js.match(/new DataView\([\w$.]+\.buffer\)/g).length, 1, 'only the helper that caches views makes one');
  await load(app, { cacheDir });
  const cached = readdirSync(cacheDir).map((d) => join(cacheDir, d, 'component.js')).filter((f) => {
    try { return readFileSync(f, 'utf8').includes("typeof WebAssembly.promising === 'function'"); } catch { return false; }
  });
  assert.ok(cached.length >= 1);
});

test('without multi-memory, each byte loop that copies a list between components becomes one bulk copy, both ways', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virt-copies-'));
  // 300 KB of text read from an embedded file and written to stdout: lists cross the vfs, the io group and the app.
  const text = Array.from({ length: 6000 }, (_, i) => `line ${i} ${'x'.repeat(i % 40)}`).join('\n');
  writeFileSync(join(dir, 'big.txt'), text);
  const { component } = await build({
    manifest: { source: 'version: 1\nfilesystem:\n  mounts:\n    /big.txt: { embed: ./big.txt }\n', file: join(dir, 'virt.yaml') },
    app: fixture('apps/cat.wasm'),
    files: nodeFiles(dir),
  });
  const { files, loops } = await bulkListCopies(await transpile(component, 'component'), 'component.js');
  assert.ok(loops >= 4, `found ${loops} byte loops: has jco changed its adapters? then drop src/jco/list-copy-patch.ts once it copies in bulk`);
  const js = new TextDecoder().decode(files['component.js']);
  assert.match(js, "'virt mem1 CopyIn': (to, from, len) =>");
  assert.match(js, "'virt mem1 CopyOut': (to, from, len) =>");
  assert.is((await bulkListCopies(files, 'component.js')).loops, 0, 'a patched module has no byte loop left');
  // On this machine's Node (20: no multi-memory) `run` goes through the patched files.
  const result = await run(component, { cacheDir, args: ['cat', '/big.txt'] });
  assert.is(result.exitCode, 0, result.stderr);
  assert.ok(result.stdout === text, 'cat printed other bytes than the file holds');
});

const entries = (dir) => readdirSync(dir).filter((name) => /^[0-9a-f]{32}$/.test(name));

test('a loaded component answers the same from a fresh evaluation of its glue as from a shared one, each with its own state', async () => {
  const { component } = await buildWith('version: 1\nenv:\n  vars: { BONUS: "2" }\n  cwd: /srv/app\n', fixture('apps/library.wasm'));
  const loaded = await load(component, { cacheDir });
  const shared = await loaded.instantiate(hostImports({}));
  const fresh = await loaded.instantiate(hostImports({}), { freshGlue: true });
  const again = await loaded.instantiate(hostImports({}));
  for (const exports of [shared, fresh, again]) {
    assert.is(exports.answer(20), 42);
    assert.is(exports.cwd(), '/srv/app');
  }
  assert.is(shared.answer(1), 4, 'an instance made before the fresh evaluation still works');
});

test('the run cache keeps the most recently used entries that fit its size, and always the newest', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virt-cache-'));
  const [hello, envPrint, clocks] = ['hello', 'env-print', 'clocks'].map((name) => fixture(`apps/${name}.wasm`));
  await run(hello, { cacheDir: dir });
  const [helloKey] = entries(dir);
  const oneEntry = readdirSync(join(dir, helloKey)).reduce((n, f) => n + readFileSync(join(dir, helloKey, f)).length, 0);
  // Room for about two entries: hello, then env-print, fit.
  const cap = Math.floor(oneEntry * 2.5);
  await run(envPrint, { cacheDir: dir, cacheMaxBytes: cap });
  assert.is(entries(dir).length, 2);
  const envKey = entries(dir).find((k) => k !== helloKey);
  // env-print was used longer ago than hello: a hit on hello makes it the most recent.
  utimesSync(join(dir, envKey), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
  utimesSync(join(dir, helloKey), new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
  assert.is((await run(hello, { cacheDir: dir, cacheMaxBytes: cap })).stdout, 'hello from nowhere (LANG=unset)\n');
  await run(clocks, { cacheDir: dir, cacheMaxBytes: cap });
  const left = entries(dir);
  assert.ok(left.includes(helloKey), 'the entry just used stays');
  assert.not.ok(left.includes(envKey), 'the least recently used entry goes');
  assert.is(left.length, 2);
  // A cap smaller than one entry keeps just the newest.
  await run(envPrint, { cacheDir: dir, cacheMaxBytes: 1 });
  assert.equal(entries(dir), [envKey]);
});

test('virt run --no-cache writes nothing to the cache folder', () => {
  const home = mkdtempSync(join(tmpdir(), 'virt-xdg-'));
  const saved = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = home;
  try {
    const { status, stdout } = cli(['run', '--no-cache', 'test/fixtures/apps/hello.wasm']);
    assert.is(status, 0);
    assert.is(stdout, 'hello from nowhere (LANG=unset)\n');
    assert.not.ok(existsSync(join(home, 'virt')), 'no cache folder');
  } finally {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
  }
});

test.run();
