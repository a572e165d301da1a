// virt's preview-1 layer: a preview-1 core module runs under virt as under a
// native host, with the manifest's working directory, and jco's adapter stays
// available as `preview1: adapter`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readComponent } from '../dist/index.js';
import { buildWith, fixture, runCommand } from './helpers.js';

const cwdApp = fixture('apps/cwd.wasm');
const site = 'filesystem:\n  mounts:\n    /site/a.txt: { text: "top\\n" }\n    /site/sub/b.txt: { text: "sub\\n" }\n';

test('env.cwd is where relative paths resolve, getcwd says so, and chdir moves it', async () => {
  const { component, notes } = await buildWith(`version: 1\nenv:\n  cwd: /site\n${site}`, cwdApp);
  assert.not.ok(notes.some((n) => n.includes('env.cwd')), notes.join('; '));
  const { stdout, exitCode } = await runCommand(component, { args: ['cwd', 'a.txt', 'sub/b.txt', '/site/a.txt', 'cd:sub', 'b.txt', '../a.txt', 'cd:/site', 'sub/b.txt'] });
  assert.is(exitCode, 0);
  assert.is(stdout, [
    'cwd /site', 'read a.txt: top', 'read sub/b.txt: sub', 'read /site/a.txt: top',
    'chdir sub => 0', 'cwd /site/sub', 'read b.txt: sub', 'read ../a.txt: top',
    'chdir /site => 0', 'cwd /site', 'read sub/b.txt: sub', '',
  ].join('\n'));
});

test('without env.cwd the app starts in `/`, and a core module gets the same from virt build', async () => {
  for (const app of [cwdApp, fixture('apps/cwd.core.wasm')]) {
    const { component } = await buildWith(`version: 1\n${site}`, app);
    const { stdout } = await runCommand(component, { args: ['cwd', 'a.txt', 'site/a.txt'] });
    assert.is(stdout, 'cwd /\nopen a.txt failed\nread site/a.txt: top\n');
  }
  const { component } = await buildWith(`version: 1\nenv:\n  cwd: /site\n${site}`, fixture('apps/cwd.core.wasm'));
  assert.match((await runCommand(component, { args: ['cwd', 'a.txt'] })).stdout, 'cwd /site\nread a.txt: top\n');
});

test('preview1: adapter wraps a core module with jco\'s preview-1 adapter instead', async () => {
  const core = fixture('apps/env-print.core.wasm');
  const yaml = 'version: 1\nenv:\n  vars: { EXIT_CODE: "3" }\n';
  const own = await buildWith(yaml, core);
  const adapter = await buildWith(`${yaml}preview1: adapter\n`, core);
  assert.ok(own.notes.includes("the app is a WASI preview-1 core module: wrapped it with virt's preview-1 layer (command)"));
  assert.ok(adapter.notes.includes("the app is a WASI preview-1 core module: wrapped it with jco's preview-1 command adapter"));
  // The same program, the same output; the layer is the smaller of the two.
  const [a, b] = [await runCommand(own.component), await runCommand(adapter.component)];
  assert.is(a.stdout, b.stdout);
  assert.is(a.exitCode, 3);
  assert.is(b.exitCode, 3);
  assert.ok(own.component.length < adapter.component.length, `${own.component.length} < ${adapter.component.length}`);
});

test('the layer imports only what the program\'s preview-1 imports need', async () => {
  const { component } = await buildWith('version: 1\n', fixture('apps/hello.wasm'));
  const imports = readComponent(component).imports.map((i) => i.name);
  assert.not.ok(imports.some((name) => name.startsWith('wasi:random/') || name.startsWith('wasi:clocks/monotonic')), imports.join(', '));
});

test('a bad manifest value for preview1 is named', async () => {
  const error = await buildWith('version: 1\npreview1: jco\n', fixture('apps/hello.wasm')).then(() => undefined, (e) => e);
  assert.ok(error);
  assert.match(error.message, '`preview1` must be `virt` or `adapter`');
  assert.match(error.message, 'virt.yaml:2');
});

test.run();
