import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { patchJspiProbes } from '../dist/run/glue-patch.js';
import { transpile } from '../dist/jco/jco.js';
import { load } from '../dist/index.js';
import { cacheDir, fixture } from './helpers.js';

test("jco's JSPI probes are rewritten into typeof checks in the cached glue", async () => {
  const app = fixture('apps/env-print.wasm');
  const files = await transpile(app, 'component');
  const original = new TextDecoder().decode(files['component.js']);
  const { js, patched } = patchJspiProbes(original);
  assert.ok(patched >= 1, 'no JSPI probe found: has jco changed its glue? then drop src/run/glue-patch.ts');
  assert.not.match(js, /try\s*\{\s*[\w$]+\s*=\s*WebAssembly\.promising/);
  await load(app, cacheDir);
  const cached = readdirSync(cacheDir).map((d) => join(cacheDir, d, 'component.js')).filter((f) => {
    try { return readFileSync(f, 'utf8').includes("typeof WebAssembly.promising === 'function'"); } catch { return false; }
  });
  assert.ok(cached.length >= 1);
});

test.run();
