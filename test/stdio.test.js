// stdio policies, served by virt's io group: stdin from text, ignored or denied;
// stdout and stderr ignored or denied.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readComponent } from '../dist/index.js';
import { buildWith, fixture, runCommand } from './helpers.js';

const app = fixture('apps/stdio.wasm');

async function runWith(stdio) {
  const { component, audit } = await buildWith(`version: 1\nstdio: ${stdio}\n`, app);
  const imports = readComponent(component).imports.map((i) => i.name);
  return { ...(await runCommand(component)), imports, audit };
}

test('stdin from text: the app reads exactly those bytes, then the end', async () => {
  const { stdout, exitCode, imports } = await runWith('{ stdin: { text: "hello stdin" } }');
  assert.is(exitCode, 0);
  assert.is(stdout, 'read 11 bytes: [hello stdin]\nstdout ok, stderr ok\n');
  assert.not.ok(imports.includes('wasi:cli/stdin@0.2.12'), 'the host is not asked for stdin');
});

test('stdin ignore and deny read nothing', async () => {
  for (const mode of ['ignore', 'deny']) {
    const { stdout, exitCode } = await runWith(`{ stdin: ${mode} }`);
    assert.is(exitCode, 0);
    assert.match(stdout, 'read 0 bytes: []');
  }
});

test('stdout ignore discards what the app writes; the app sees success', async () => {
  const { stdout, stderr, exitCode, imports, audit } = await runWith('{ stdout: ignore }');
  assert.is(exitCode, 0);
  assert.is(stdout, '');
  assert.is(stderr, 'stderr line\n');
  assert.not.ok(imports.includes('wasi:cli/stdout@0.2.12'));
  assert.is(audit.lines.find((l) => l.interface === 'wasi:cli/stdout@0.2.12').detail, 'ignored: writes are discarded');
  assert.equal(audit.violations, []);
});

test('stdout and stderr deny: every write fails, and the app can tell', async () => {
  const both = await runWith('{ stdout: deny, stderr: ignore }');
  assert.is(both.exitCode, 1);
  assert.is(both.stdout + both.stderr, '');
  const stderrOnly = await runWith('{ stderr: deny }');
  assert.is(stderrOnly.exitCode, 1);
  assert.is(stderrOnly.stdout, 'read 0 bytes: []\nstdout ok, stderr failed\n');
});

test('a stdio policy and host files in one run: the io group serves both', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virt-stdio-'));
  writeFileSync(join(dir, 'note.txt'), 'a host file\n');
  const { component } = await buildWith('version: 1\nfilesystem: host\nstdio: { stdin: ignore, stderr: ignore }\nenv:\n  args: [cat, /data/note.txt]\n', fixture('apps/cat.wasm'));
  const { stdout, exitCode } = await runCommand(component, { dirs: { '/data': dir } });
  assert.is(exitCode, 0);
  assert.is(stdout, 'a host file\n');
});

test.run();
