import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readComponent } from '../dist/index.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWat } from '../dist/jco/jco.js';
import { buildWith, compositionError, fixture, instantiate, renameInterfaces, root, runCommand } from './helpers.js';

const envPrint = fixture('apps/env-print.wasm');
const manifest = 'version: 1\nenv:\n  vars: { GREETING: hi }\n  host: { allow: [USER] }\n  args: [tool, x]\n';

function importNames(component) {
  return readComponent(component).imports.map((i) => i.name);
}

function assertOneVersionPerInterface(names) {
  const ids = names.map((n) => n.replace(/@.*$/, ''));
  assert.equal(ids.length, new Set(ids).size, `two versions of one interface in ${names.join(', ')}`);
}

for (const version of ['0.2.0', '0.2.3']) {
  test(`an app importing WASI ${version} runs, and the output imports ${version} only`, async () => {
    const app = await renameInterfaces(envPrint, importNames(envPrint).map((n) => [n, n.replace('@0.2.12', `@${version}`)]));
    assert.ok(importNames(app).every((n) => n.endsWith(`@${version}`)));
    const { component } = await buildWith(manifest, app);
    assertOneVersionPerInterface(importNames(component));
    assert.ok(importNames(component).every((n) => n.endsWith(`@${version}`)));
    const { stdout } = await runCommand(component, { env: [['USER', 'ann'], ['OTHER', 'x']] });
    assert.is(stdout, 'env GREETING=hi\nenv USER=ann\narg 0 tool\narg 1 x\ncwd /\n');
  });
}

test('an app mixing WASI versions runs unchanged', async () => {
  const app = await renameInterfaces(envPrint, [
    ['wasi:cli/environment@0.2.12', 'wasi:cli/environment@0.2.0'],
    ['wasi:cli/exit@0.2.12', 'wasi:cli/exit@0.2.3'],
  ]);
  const { component } = await buildWith(manifest, app);
  const names = importNames(component);
  assertOneVersionPerInterface(names);
  assert.ok(names.includes('wasi:cli/environment@0.2.0'));
  assert.ok(names.includes('wasi:cli/exit@0.2.3'));
  assert.ok(names.includes('wasi:cli/stdout@0.2.12'));
  const { stdout } = await runCommand(component, { env: [['USER', 'ann']] });
  assert.is(stdout, 'env GREETING=hi\nenv USER=ann\narg 0 tool\narg 1 x\ncwd /\n');
});

test('an interface virt does not know passes through to the host, and the build says so', async () => {
  const app = await renameInterfaces(envPrint, [['wasi:cli/exit@0.2.12', 'acme:custom/exit@1.0.0']]);
  const { component, audit } = await buildWith(manifest, app);
  assert.ok(importNames(component).includes('acme:custom/exit@1.0.0'));
  const line = audit.lines.find((l) => l.interface === 'acme:custom/exit@1.0.0');
  assert.is(line.status, 'host');
  assert.match(line.detail, 'an interface virt does not know');
  let exited;
  const { stdout } = await runCommand(component, { imports: { 'acme:custom/exit': { exit: (s) => { exited = s.tag; }, exitWithCode: (code) => { exited = code; } } } });
  assert.is(stdout, 'env GREETING=hi\narg 0 tool\narg 1 x\ncwd /\n');
  assert.is(exited, undefined);
});

test('an app importing one interface at two versions gets the policy for each', async () => {
  // Built from component WAT: wit-component would merge the two into the newer one.
  const app = await parseWat(readFileSync(join(root, 'test/fixtures/shapes/two-versions.wat'), 'utf8'));
  assert.equal(importNames(app), ['wasi:cli/environment@0.2.0', 'wasi:cli/environment@0.2.3']);
  const { component, audit } = await buildWith('version: 1\nenv:\n  vars: { A: b }\n', app);
  assert.equal(importNames(component), []);
  assert.equal(audit.lines.filter((l) => l.interface.startsWith('wasi:cli/environment@')).map((l) => l.status), ['virtualized', 'virtualized']);
  const out = await instantiate(component, { env: [['SECRET', 'host']] });
  assert.equal(out.envOld(), [['A', 'b']]);
  assert.equal(out.envNew(), [['A', 'b']]);
});

test('two versions of an interface that the io group owns are refused, each named', async () => {
  const app = await parseWat(readFileSync(join(root, 'test/fixtures/shapes/two-io-versions.wat'), 'utf8'));
  const error = await compositionError(buildWith('version: 1\nstdio:\n  stdout: ignore\n', app));
  assert.match(error.message, "`wasi:io/error@0.2.0`: the app also imports `wasi:io/error@0.2.3`, and virt's io group serves one version of each interface it owns");
  assert.match(error.message, '`wasi:io/error@0.2.3`: the app also imports `wasi:io/error@0.2.0`');
  // Without the io group, both pass to the host: wasi:io grants nothing by itself.
  const { audit } = await buildWith('version: 1\n', app);
  assert.equal(audit.lines.filter((l) => l.interface.startsWith('wasi:io/')).map((l) => l.status), ['host', 'host']);
});

test('the same inputs give byte-identical outputs', async () => {
  const a = await buildWith(manifest, envPrint);
  const b = await buildWith(manifest, envPrint);
  assert.equal(Buffer.compare(Buffer.from(a.component), Buffer.from(b.component)), 0);
});

test.run();
