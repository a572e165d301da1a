import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { patchGlue } from '../dist/run/glue-patch.js';
import { transpile } from '../dist/jco/jco.js';
import { load } from '../dist/index.js';
import { cacheDir, fixture } from './helpers.js';

test("jco's JSPI probes become typeof checks, and its fresh memory views cached ones, in the cached glue", async () => {
  const app = fixture('apps/env-print.wasm');
  const files = await transpile(app, 'component');
  const original = new TextDecoder().decode(files['component.js']);
  const { js, probes, views } = patchGlue(original);
  assert.ok(probes >= 1, 'no JSPI probe found: has jco changed its glue? then drop that rewrite from src/run/glue-patch.ts');
  assert.ok(views >= 1, 'no fresh DataView of a memory found: has jco changed its glue?');
  assert.not.match(js, /try\s*\{\s*[\w$]+\s*=\s*WebAssembly\.promising/);
  assert.is(js.match(/new DataView\([\w$.]+\.buffer\)/g).length, 1, 'only the helper that caches views makes one');
  await load(app, cacheDir);
  const cached = readdirSync(cacheDir).map((d) => join(cacheDir, d, 'component.js')).filter((f) => {
    try { return readFileSync(f, 'utf8').includes("typeof WebAssembly.promising === 'function'"); } catch { return false; }
  });
  assert.ok(cached.length >= 1);
});

test.run();
