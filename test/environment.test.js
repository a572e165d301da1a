import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWith, fixture, instantiate, runCommand } from './helpers.js';

const envPrint = fixture('apps/env-print.wasm');
const hostEnv = [['USER', 'bob'], ['HOME', '/host/home'], ['X_ONE', '1'], ['SECRET', 's3cret'], ['X_TWO', '2']];

function lines(stdout, prefix) {
  return stdout.split('\n').filter((l) => l.startsWith(prefix));
}

test('fixed variables come first, in manifest order, and win over host variables', async () => {
  const { component } = await buildWith(`version: 1
env:
  vars: { LANG: C.UTF-8, HOME: /home/app }
  host: all
`, envPrint);
  const { stdout, exitCode } = await runCommand(component, { env: hostEnv });
  assert.is(exitCode, 0);
  assert.equal(lines(stdout, 'env '), [
    'env LANG=C.UTF-8', 'env HOME=/home/app', 'env USER=bob', 'env X_ONE=1', 'env SECRET=s3cret', 'env X_TWO=2',
  ]);
});

test('host variables are filtered by an allow-list of globs', async () => {
  const { component } = await buildWith('version: 1\nenv:\n  host: { allow: [USER, "X_*"] }\n', envPrint);
  const { stdout } = await runCommand(component, { env: hostEnv });
  assert.equal(lines(stdout, 'env '), ['env USER=bob', 'env X_ONE=1', 'env X_TWO=2']);
});

test('host variables are filtered by a deny-list of globs', async () => {
  const { component } = await buildWith('version: 1\nenv:\n  host: { deny: ["SECR?T", "X_*"] }\n', envPrint);
  const { stdout } = await runCommand(component, { env: hostEnv });
  assert.equal(lines(stdout, 'env '), ['env USER=bob', 'env HOME=/host/home']);
});

test('by default the app sees no host variable, and the output does not import the host environment for them', async () => {
  const { component, audit } = await buildWith('version: 1\nenv:\n  args: [tool, --flag]\n', envPrint);
  const { stdout } = await runCommand(component, { env: hostEnv, args: ['host-argv0', 'host-arg'] });
  assert.equal(lines(stdout, 'env '), []);
  assert.equal(lines(stdout, 'arg '), ['arg 0 tool', 'arg 1 --flag']);
  assert.equal(audit.violations, []);
  assert.ok(audit.lines.some((l) => l.interface === 'wasi:cli/environment@0.2.12' && l.status === 'virtualized'));
});

test('host arguments pass through when args is host', async () => {
  const { component } = await buildWith('version: 1\nenv:\n  vars: { A: b }\n', envPrint);
  const { stdout } = await runCommand(component, { args: ['app.wasm', 'one', 'two words'] });
  assert.equal(lines(stdout, 'arg '), ['arg 0 app.wasm', 'arg 1 one', 'arg 2 two words']);
});

test("the guest's exit status is returned", async () => {
  // virt's preview-1 layer passes proc_exit(3) on as exit-with-code(3), as a native host does.
  const failing = await buildWith('version: 1\nenv:\n  vars: { EXIT_CODE: "3" }\n', envPrint);
  assert.is((await runCommand(failing.component)).exitCode, 3);
  const passing = await buildWith('version: 1\nenv:\n  vars: { EXIT_CODE: "0" }\n', envPrint);
  assert.is((await runCommand(passing.component)).exitCode, 0);
});

const library = fixture('apps/library.wasm');

test('cwd: a fixed path, none, or the host cwd', async () => {
  const fixed = await buildWith('version: 1\nenv:\n  cwd: /srv/app\n', library);
  assert.is((await instantiate(fixed.component, { cwd: '/host' })).cwd(), '/srv/app');
  const none = await buildWith('version: 1\n', library);
  assert.is((await instantiate(none.component, { cwd: '/host' })).cwd(), '(none)');
  const host = await buildWith('version: 1\nenv:\n  cwd: host\n', library);
  assert.is((await instantiate(host.component, { cwd: '/from/host' })).cwd(), '/from/host');
});

test("a library (reactor) component's exports are still callable after composition", async () => {
  const { component } = await buildWith('version: 1\nenv:\n  vars: { BONUS: "2" }\n', library);
  const exports = await instantiate(component, { env: [['BONUS', '100']] });
  assert.is(exports.answer(20), 42);
});

test.run();
