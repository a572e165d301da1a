// The corpus: apps from the toolchains real components come from (C + wasi-libc,
// Rust std, componentize-js), each built under every manifest mode and run on
// preview2-shim. A cell either builds and prints what its expectation file says,
// or refuses with a message; it never ends in an internal error. UPDATE=1
// rewrites the expectations (test/fixtures/corpus/expected/).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readComponent } from '../dist/index.js';
import { NO_LIBC_CWD_NOTE, PREVIEW1_CWD_NOTE } from '../dist/build.js';
import { MODES, RUN } from './corpus.js';
import { buildWith, cli, fixture, renameInterfaces, root, runCommand } from './helpers.js';

const APPS = {
  hello: fixture('apps/hello.wasm'), // C + wasi-libc, through virt's preview-1 layer
  'env-print': fixture('apps/env-print.wasm'),
  preopens: fixture('apps/preopens.wasm'),
  'rust-app': fixture('corpus/rust-app.wasm'), // Rust std 1.63, a preview-1 core module
  'js-app': fixture('corpus/js-app.wasm'), // componentize-js: StarlingMonkey, wasi:http, all of wasi:io
};

// Host clocks and randomness differ from run to run.
function stable(text, mode) {
  return mode === 'deterministic' ? text : text.replace(/^(now|random|time|realtime|monotonic) .*$/gm, '$1 #');
}

async function cell(app, mode) {
  let built;
  try {
    built = await buildWith(MODES[mode], APPS[app]);
  } catch (error) {
    assert.ok(['CompositionError', 'ManifestError', 'AuditError'].includes(error.name), error.stack);
    return `refused: ${error.message}\n`;
  }
  const { exitCode, stdout, trap } = await runCommand(built.component, RUN);
  const notes = built.notes.map((n) => `note: ${n}\n`).join('');
  return `${notes}exit ${exitCode}\n${trap ? `trap ${trap}\n` : ''}--- stdout\n${stable(stdout, mode)}`;
}

for (const app of Object.keys(APPS)) {
  test(`corpus: ${app} under every manifest mode`, async () => {
    const dir = join(root, 'test/fixtures/corpus/expected', app);
    mkdirSync(dir, { recursive: true });
    for (const mode of Object.keys(MODES)) {
      const actual = await cell(app, mode);
      const path = join(dir, `${mode}.txt`);
      if (process.env.UPDATE === '1') writeFileSync(path, actual);
      assert.ok(existsSync(path), `no expectation for ${app} under ${mode}: run with UPDATE=1`);
      assert.fixture(actual, readFileSync(path, 'utf8'), `${app} under ${mode}`);
    }
  });
}

test('a Rust exit code reaches the host, through the library and through virt run', async () => {
  const { component } = await buildWith('version: 1\nenv:\n  vars: { EXIT_CODE: "33" }\n', APPS['rust-app']);
  assert.is((await runCommand(component)).exitCode, 33);
  const dir = mkdtempSync(join(tmpdir(), 'virt-corpus-'));
  writeFileSync(join(dir, 'out.wasm'), component);
  assert.is(cli(['run', join(dir, 'out.wasm'), '--cache', join(dir, 'cache')]).status, 33);
});

test('env.cwd reaches a Rust std app: current_dir, and relative paths resolve under it', async () => {
  const yaml = (vars) => `version: 1\nenv:\n  cwd: /data\n  vars: { ${vars} }\nfilesystem:\n  mounts:\n    /data/notes/a.txt: { text: "under cwd" }\n`;
  const { component, notes } = await buildWith(yaml('RELATIVE_FILE: notes/a.txt'), APPS['rust-app']);
  assert.not.ok(notes.some((n) => n.includes('env.cwd')), notes.join('; '));
  const { stdout } = await runCommand(component);
  assert.match(stdout, 'cwd /data\nrelative notes/a.txt "under cwd"\n');
  // set_current_dir moves it, as on a native host.
  const moved = await buildWith(yaml('CHDIR: notes, RELATIVE_FILE: a.txt'), APPS['rust-app']);
  assert.match((await runCommand(moved.component)).stdout, 'cwd /data/notes\nrelative a.txt "under cwd"\n');
});

test('env.cwd on a preview-1 app whose libc keeps no working directory says at build time that it does not reach it', async () => {
  const { notes } = await buildWith('version: 1\nenv:\n  cwd: /data\n', APPS['env-print']);
  assert.ok(notes.includes(NO_LIBC_CWD_NOTE), notes.join('; '));
  const adapter = await buildWith('version: 1\npreview1: adapter\nenv:\n  cwd: /data\n', fixture('apps/env-print.core.wasm'));
  assert.ok(adapter.notes.includes(PREVIEW1_CWD_NOTE), adapter.notes.join('; '));
  for (const app of ['js-app', 'rust-app']) {
    const { notes: none } = await buildWith('version: 1\nenv:\n  cwd: /data\n', APPS[app]);
    assert.not.ok(none.some((n) => n.includes('env.cwd')), `${app}: ${none.join('; ')}`);
  }
});

test('a componentize-js app reaches fetch, files and the clock through virt', async () => {
  const yaml = 'version: 1\nenv:\n  vars: { FETCH_URL: "http://127.0.0.1:9/" }\nhttp: deny\ndeterministic: true\nfilesystem:\n  mounts:\n    /work: { memory: {} }\n';
  const { component } = await buildWith(yaml, APPS['js-app']);
  assert.not.ok(readComponent(component).imports.some((i) => i.name.startsWith('wasi:http/outgoing-handler')));
  const first = await runCommand(component, RUN);
  assert.match(first.stdout, 'files /work: read "written by js"; entries js-note.txt\n');
  assert.match(first.stdout, /^fetch error .+$/m);
  assert.match(first.stdout, 'now 946684800000\n');
  assert.is((await runCommand(component, RUN)).stdout, first.stdout);
});

// Apps of other WASI versions are the same apps: each version gets the same answers.
for (const version of ['0.2.0', '0.2.3', '0.2.6']) {
  test(`corpus: C apps rewritten to WASI ${version} print what they print at 0.2.12`, async () => {
    for (const app of ['env-print', 'preopens']) {
      const rewritten = await renameInterfaces(APPS[app], readComponent(APPS[app]).imports.map((i) => [i.name, i.name.replace('@0.2.12', `@${version}`)]));
      for (const mode of ['env', 'filesystem', 'deterministic']) {
        const { component } = await buildWith(MODES[mode], rewritten);
        assert.ok(readComponent(component).imports.every((i) => i.name.endsWith(`@${version}`)));
        const expected = readFileSync(join(root, 'test/fixtures/corpus/expected', app, `${mode}.txt`), 'utf8');
        const { exitCode, stdout } = await runCommand(component, RUN);
        assert.fixture(`exit ${exitCode}\n--- stdout\n${stable(stdout, mode)}`, expected.replace(/^note: .*\n/gm, ''), `${app} ${version} ${mode}`);
      }
    }
  });
}

test('a virt output is an app like any other: built again, the second manifest applies on top', async () => {
  const first = await buildWith('version: 1\nenv:\n  vars: { HOME: /first }\n  args: [app, one]\n', APPS.hello);
  const second = await buildWith('version: 1\nstdio:\n  stdout: host\n  stderr: deny\nfilesystem:\n  mounts:\n    /tmp: { memory: {} }\n', first.component);
  assert.not.ok(readComponent(second.component).imports.some((i) => /^wasi:(cli\/environment|filesystem)/.test(i.name)));
  const { stdout } = await runCommand(second.component, { args: ['app', 'ignored'], env: [['HOME', '/host']] });
  assert.is(stdout, 'hello from /first (LANG=unset)\nargument 1: one\n');
});

test.run();
