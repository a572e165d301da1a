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
const tty = fixture('apps/tty.wasm');
const imports = (component) => readComponent(component).imports.map((i) => i.name);

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

// preview2-shim on Node says every stream is a terminal, so a `1` below is the host's answer.
test('deterministic: true answers "not a terminal" for every stream, and leaves no terminal import', async () => {
  const { component, audit } = await buildWith('version: 1\ndeterministic: true\n', tty);
  assert.not.ok(imports(component).some((n) => n.startsWith('wasi:cli/terminal-')), imports(component).join(', '));
  assert.match(audit.lines.find((l) => l.interface === 'wasi:cli/terminal-stdout@0.2.12').detail, 'none: no stream is a terminal');
  assert.is((await runCommand(component)).stdout, 'stdin 0 stdout 0 stderr 0\n');
});

test('stdio.terminal: host gives the host\'s answer even when deterministic; none is never a terminal', async () => {
  const host = await buildWith('version: 1\ndeterministic: true\nstdio: { terminal: host }\n', tty);
  assert.ok(imports(host.component).includes('wasi:cli/terminal-stdout@0.2.12'));
  assert.is((await runCommand(host.component)).stdout, 'stdin 1 stdout 1 stderr 1\n');
  const none = await buildWith('version: 1\nstdio: { terminal: none }\n', tty);
  assert.is((await runCommand(none.component)).stdout, 'stdin 0 stdout 0 stderr 0\n');
});

test('without a stdio section the terminal is the host\'s; a stream virt answers makes it none', async () => {
  assert.is((await runCommand((await buildWith('version: 1\n', tty)).component)).stdout, 'stdin 1 stdout 1 stderr 1\n');
  const fed = await buildWith('version: 1\nstdio: { stdin: { text: "x" } }\n', tty);
  assert.is((await runCommand(fed.component)).stdout, 'stdin 0 stdout 0 stderr 0\n');
});

test.run();
