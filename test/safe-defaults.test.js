// Safe by default: without a filesystem section the app has no filesystem at
// all, whatever the host offers; `filesystem: host` is the explicit opt-in.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readComponent } from '../dist/index.js';
import { buildWith, fixture, runCommand } from './helpers.js';

const cat = fixture('apps/cat.wasm');
const preopens = fixture('apps/preopens.wasm');

test('a bare manifest leaves no wasi:filesystem import, and the app sees no preopen though the host offers /', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virt-safe-'));
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
  const { component, audit } = await buildWith('version: 1\n', preopens);
  assert.not.ok(readComponent(component).imports.some((i) => i.name.startsWith('wasi:filesystem/')));
  const line = audit.lines.find((l) => l.interface === 'wasi:filesystem/preopens@0.2.12');
  assert.is(line.status, 'virtualized');
  assert.match(line.detail, 'none: the app sees no preopens');
  const { stdout, exitCode } = await runCommand(component, { args: ['preopens', join(dir, 'secret.txt')], dirs: { '/': '/' } });
  assert.is(exitCode, 0);
  assert.is(stdout, `${join(dir, 'secret.txt')}: Capabilities insufficient\n`);
});

test('filesystem: host passes the host preopens through, and the audit says so', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virt-safe-'));
  writeFileSync(join(dir, 'note.txt'), 'from the host\n');
  const { component, audit } = await buildWith('version: 1\nfilesystem: host\nenv:\n  args: [cat, /data/note.txt]\n', cat);
  assert.ok(readComponent(component).imports.some((i) => i.name === 'wasi:filesystem/preopens@0.2.12'));
  assert.is(audit.lines.find((l) => l.interface === 'wasi:filesystem/preopens@0.2.12').status, 'host');
  const { stdout } = await runCommand(component, { dirs: { '/data': dir } });
  assert.is(stdout, 'from the host\n');
});

test('with a stdio policy too, no filesystem reaches the app (the null filesystem takes the io group\'s types)', async () => {
  const { component } = await buildWith('version: 1\nstdio:\n  stderr: ignore\nenv:\n  args: [cat, /etc/passwd]\n', cat);
  assert.not.ok(readComponent(component).imports.some((i) => i.name.startsWith('wasi:filesystem/')));
  const { stdout, exitCode } = await runCommand(component, { dirs: { '/': '/' } });
  assert.is(exitCode, 1);
  assert.match(stdout, 'cannot open /etc/passwd');
});

test.run();
