// virt's io group: with it, the app's streams, stdio and host filesystem pass
// through a generated unit that owns wasi:io, and the app cannot tell.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, readComponent } from '../dist/index.js';
import { fixture, instantiate, runCommand } from './helpers.js';

const manifest = { source: 'version: 1\nfilesystem: host\nenv:\n  vars: { A: b }\n  args: [tool, /data/note.txt]\n', file: 'virt.yaml' };
const withIoGroup = (app) => build({ manifest, app, io: 'virt' });

test('stdout, stderr and arguments go through the io group unchanged', async () => {
  const app = fixture('apps/env-print.wasm');
  const plain = await build({ manifest, app });
  const grouped = await withIoGroup(app);
  assert.ok(grouped.unitSizes.has('io-group'));
  assert.is((await runCommand(grouped.component)).stdout, (await runCommand(plain.component)).stdout);
  const line = grouped.audit.lines.find((l) => l.interface === 'wasi:io/streams@0.2.12');
  assert.is(line.status, 'virtualized');
  assert.match(line.detail, "through virt's io group");
});

test('files on a host directory are read through the io group: descriptors, streams and preopens are wrapped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'virt-io-'));
  writeFileSync(join(dir, 'note.txt'), 'read through virt\n');
  const { component } = await withIoGroup(fixture('apps/cat.wasm'));
  const names = readComponent(component).imports.map((i) => i.name);
  assert.ok(names.includes('wasi:filesystem/types@0.2.12'), 'the host still provides the filesystem');
  const { stdout, exitCode } = await runCommand(component, { dirs: { '/data': dir } });
  assert.is(exitCode, 0);
  assert.is(stdout, 'read through virt\n');
  const closed = await runCommand(component);
  assert.match(closed.stdout, 'cannot open /data/note.txt');
});

test("a library's exports still work with the io group", async () => {
  const { component } = await build({ manifest: { source: 'version: 1\nenv:\n  cwd: /srv\n', file: 'virt.yaml' }, app: fixture('apps/library.wasm'), io: 'virt' });
  const exports = await instantiate(component);
  assert.is(exports.cwd(), '/srv');
  assert.is(exports.answer(1), 2);
});

test.run();
